// The package as a consuming app sees it: built to plain JS + .d.ts, imported by name from an
// example that runs under plain node against a real server, in both auth modes.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './support/server.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const node = process.execPath;
const tsc = `${root}node_modules/typescript/bin/tsc`;

let server: RunningServer;
beforeAll(async () => {
  // dist/ is not committed: build it the way the README tells app developers to.
  await run('npm', ['run', 'build'], { cwd: root });
  // A session shorter than 7 days rotates on every request, so the example crosses rotations.
  server = await startServer({ sessionTtlSeconds: 3600 });
}, 120_000);
afterAll(() => server?.close());

describe('examples/quickstart.mjs', () => {
  it('when built, then the package entry point is plain JS with declarations', () => {
    expect(existsSync(`${root}dist/client/index.js`)).toBe(true);
    expect(existsSync(`${root}dist/client/index.d.ts`)).toBe(true);
  });

  it('when type-checked against the built declarations, then the example compiles', async () => {
    await expect(run(node, [tsc, '-p', 'examples/tsconfig.json'], { cwd: root })).resolves.toBeDefined();
  }, 60_000);

  it.each(['header', 'cookie'])('when run with plain node in %s mode, then it registers, logs in and shows me', async (auth) => {
    const name = `example_${auth}_${Date.now().toString(36)}`;
    const { stdout } = await run(node, ['examples/quickstart.mjs', name, auth], {
      cwd: root,
      env: { ...process.env, AZUMA_URL: server.url },
    });
    expect(stdout).toMatch(new RegExp(`logged in as ${name} \\([0-9a-f]{24}\\) with ${auth} auth`));
    // register, login, then a rotation on each of the two /api/me calls
    expect(stdout).toContain(`still ${name} after 4 token changes`);
  });
});
