// Builds what grows from openapi.yaml (generated types, the client's facts, rendered docs) or, with --check, rebuilds
// them into a temp folder and fails when the committed copies differ: drift fails CI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderClientFacts } from '../contract/client-facts.js';
import { loadContract } from '../contract/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

interface Artifact {
  path: string;
  build(out: string): void;
}

const artifacts: Record<string, Artifact> = {
  types: {
    path: 'generated/openapi.ts',
    build: (out) => run(bin('openapi-typescript'), ['openapi.yaml', '--redocly', 'scripts/redocly-generate.yaml', '-o', out]),
  },
  facts: {
    path: 'generated/contract-facts.ts',
    build: (out) => writeFileSync(out, renderClientFacts(loadContract(join(root, 'openapi.yaml')))),
  },
  docs: {
    path: 'docs/index.html',
    // --inlineBundle: the page must work with no network at view time.
    build: (out) => run(bin('redocly'), ['build-docs', 'openapi.yaml', '--inlineBundle', '-o', out]),
  },
};

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

const check = process.argv.includes('--check');
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = names.length > 0 ? names : Object.keys(artifacts);
let drift = false;

for (const name of chosen) {
  const artifact = artifacts[name];
  if (!artifact) throw new Error(`unknown artifact '${name}'; known: ${Object.keys(artifacts).join(', ')}`);
  const tmp = mkdtempSync(join(tmpdir(), 'azuma-artifact-'));
  try {
    const out = join(tmp, artifact.path.split('/').pop()!);
    artifact.build(out);
    const target = join(root, artifact.path);
    if (check) {
      let committed = '';
      try {
        committed = readFileSync(target, 'utf8');
      } catch {
        // a missing file is drift too
      }
      if (committed !== readFileSync(out, 'utf8')) {
        drift = true;
        console.error(`✘ ${artifact.path} is out of date with openapi.yaml: run \`npm run generate\` and commit it.`);
      } else {
        console.log(`✔ ${artifact.path} matches openapi.yaml`);
      }
    } else {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(out, target);
      console.log(`wrote ${artifact.path}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (drift) process.exit(1);
