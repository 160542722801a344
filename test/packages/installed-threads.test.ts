// A server must keep working while its installed files are replaced under it (an upgrade in
// place): what it runs on threads is read at start-up, not when the first password is hashed.

import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let temp: string | undefined;
afterEach(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = undefined;
});

// Runs in a process of its own on a copy of the built package (test/support/build-packages.ts
// builds it): the server is built, then the hashing thread's file is moved away, then a password
// is hashed for the first time.
const SCRIPT = `
import { renameSync } from 'node:fs';
import { buildApp, loadConfig } from './dist/index.js';

const config = { ...loadConfig({ AZUMA_DB: ':memory:', AZUMA_LOG_LEVEL: 'silent', AZUMA_AUTH_RATE_LIMIT: '0' }) };
const app = await buildApp(config);
const thread = new URL('./dist/domains/accounts/hash-worker.js', import.meta.url);
renameSync(thread, new URL('./dist/domains/accounts/hash-worker.js.replaced', import.meta.url));
const payload = { name: 'upgraded', password: 'correct horse battery' };
const register = await app.inject({ method: 'POST', url: '/api/register', payload });
const login = await app.inject({ method: 'POST', url: '/api/login', payload });
console.log(JSON.stringify({ register: register.statusCode, login: login.statusCode }));
await app.close();
`;

describe('the installed package', () => {
  it('when the hashing thread’s file disappears after the server was built, then register and login still answer 200', async () => {
    temp = mkdtempSync(join(tmpdir(), 'azuma-installed-'));
    const pkg = join(temp, 'server');
    cpSync(join(ROOT, 'server', 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'server', 'package.json'), join(pkg, 'package.json'));
    // The copy's dependencies resolve as an installed package's would, from a node_modules above it.
    symlinkSync(join(ROOT, 'node_modules'), join(temp, 'node_modules'), 'dir');
    writeFileSync(join(pkg, 'upgrade.mjs'), SCRIPT);

    const { stdout } = await promisify(execFile)(process.execPath, ['upgrade.mjs'], { cwd: pkg });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ register: 200, login: 200 });
  });
});
