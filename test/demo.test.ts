// `azuma-server --demo` as someone trying the API meets it: its own process, a start-up line that
// says what it is, the contract's example accounts ready to sign in to, and nothing else.

import { exampleAccounts, loadContract } from '@azuma/contract';
import { describe, expect, it } from 'vitest';
import { runServerUntilExit, spawnServer } from '../tools/server-process.js';
import { api } from './support/api.js';
import { startDemoServer } from './support/samples.js';
import { startServer } from './support/server.js';
import { loginUser } from './support/users.js';

const accounts = exampleAccounts(loadContract());

describe('the demo server', () => {
  it('when started with --demo, then its start-up line says so, names the example accounts, and they sign in', async () => {
    expect(accounts.length).toBeGreaterThan(0);
    const server = await spawnServer({}, { args: ['--demo'] });
    try {
      const line =
        server
          .output()
          .split('\n')
          .find((entry) => entry.includes('listening at')) ?? '';
      expect(line).toMatch(/DEMO server, in memory: nothing is kept, password hashing is cheap/);
      for (const { name, password } of accounts) {
        expect(line).toContain(`${name} (password ${password})`);
        expect((await api(server.url).post('/api/login', { body: { name, password } })).status).toBe(200);
      }
      expect((await api(server.url).post('/api/login', { body: { name: 'nobody', password: 'nobody-secret' } })).status).toBe(401);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('when an example account signs in, then the session it gets is its only one', async () => {
    const server = await startDemoServer();
    try {
      const { token } = await loginUser(server.url, accounts[0]!);
      const listed = await api(server.url).get('/api/me/sessions', { token });
      expect(((await listed.json()) as { sessions: unknown[] }).sessions).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('when the example accounts register on a server without them, then the API accepts each', async () => {
    // The demo registers them directly; this keeps them within what register itself accepts.
    const server = await startServer();
    try {
      for (const account of accounts) expect((await api(server.url).post('/api/register', { body: account })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('when --demo comes with a database file, then start-up stops: a demo keeps nothing', async () => {
    const { code, output } = await runServerUntilExit({ AZUMA_DB: 'data/demo.sqlite' }, ['--demo']);
    expect(code).toBe(1);
    expect(output).toMatch(/^azuma: --demo keeps its database in memory, so AZUMA_DB='data\/demo\.sqlite' would be ignored/);
  });

  it('when given an argument it does not know, then start-up stops naming it and the ones there are', async () => {
    const { code, output } = await runServerUntilExit({}, ['--dmeo']);
    expect(code).toBe(1);
    expect(output).toBe(
      "azuma: unknown argument '--dmeo': azuma-server takes only --demo and --help; every other setting is an AZUMA_* environment variable\n",
    );
  });

  it('when asked for --help, then it prints its usage and exits 0', async () => {
    const { code, output } = await runServerUntilExit({}, ['--help']);
    expect(code).toBe(0);
    expect(output).toMatch(/^usage: azuma-server \[--demo \| --help\]\n[\s\S]*--demo {2}a sandbox/);
  });
});
