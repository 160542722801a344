#!/usr/bin/env node
// The `azuma-conformance` command: registers tsx (a runtime dependency) so the TypeScript CLI runs
// as-is after `npm ci`, from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
