// `npm start` as an operator meets it: the real entry point in its own process, over a real socket.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';
import { redactLocation } from '../server/db/location.js';
import { freePort } from '../tools/free-port.js';
import { runServerUntilExit, spawnServer } from '../tools/server-process.js';
import { api } from './support/api.js';
import { loginUser, PASSWORD, registerUser } from './support/users.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the server process', () => {
  it('when started on a fresh path, then it creates the database, serves, stops on SIGTERM and keeps accounts across restarts', async () => {
    const db = join(dir, 'nested', 'azuma.sqlite');
    const first = await spawnServer({ AZUMA_DB: db });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(db)).toBe(true);

    const { token } = await registerUser(first.url, { name: 'Operator' });
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).not.toContain(token);

    const second = await spawnServer({ AZUMA_DB: db });
    try {
      const me = await api(second.url).get('/api/me', { token });
      expect(await me.json()).toMatchObject({ name: 'Operator' });
      // loginUser throws unless login answers 200.
      await loginUser(second.url, { name: 'operator' });
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
  });

  it('when a request is in flight at SIGTERM, then it completes before the process exits 0', async () => {
    const server = await spawnServer({ AZUMA_DB: join(dir, 'drain.sqlite') });
    // Registration spends ~0.2 s in scrypt at the production cost: long enough to be in flight.
    const pending = api(server.url).post('/api/register', { body: { name: 'inflight', password: PASSWORD } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exit = server.stop('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await exit).toBe(0);
  });

  it.each([
    ['AZUMA_PORT', 'eighty'],
    ['AZUMA_PORT', '70000'],
    ['AZUMA_SESSION_TTL', '-5'],
    ['AZUMA_SESSION_MAX_AGE', '30'],
    ['AZUMA_SESSIONS_PER_USER', '0'],
    ['AZUMA_COOKIE_SECURE', 'yes'],
    ['AZUMA_AUTH_RATE_LIMIT', '1.5'],
    ['AZUMA_CORS_ORIGINS', 'not a url'],
    ['AZUMA_LOG_LEVEL', 'loud'],
    ['AZUMA_TRUST_PROXY', 'yes'],
    ['AZUMA_TRUST_PROXY', '10.0.0.0/33'],
    ['AZUMA_HASH_CONCURRENCY', '0'],
    ['AZUMA_HASH_QUEUE', 'many'],
    // A folder where the file should be: the database cannot be opened.
    ['AZUMA_DB', tmpdir()],
    ['AZUMA_HOST', '203.0.113.7'],
    ['AZUMA_DB_POOL', '0'],
    // Not quite a PostgreSQL URL: refused rather than taken for a file name.
    ['AZUMA_DB', 'postgres:/db.example/azuma'],
  ])('when %s is %s, then start-up stops with a message naming it', async (name, value) => {
    const { code, output } = await runServerUntilExit({ AZUMA_DB: ':memory:', [name]: value });
    expect(code).toBe(1);
    expect(output).toContain(name);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('when the PostgreSQL database AZUMA_DB names cannot be reached, then start-up stops naming it without its password', async () => {
    const url = `postgres://azuma:hunter2@127.0.0.1:${await freePort()}/azuma`;
    const { code, output } = await runServerUntilExit({ AZUMA_DB: url });
    expect(code).toBe(1);
    expect(output).toMatch(/^azuma: AZUMA_DB: cannot open 'postgres:\/\/azuma:\*\*\*@127\.0\.0\.1:\d+\/azuma': .*ECONNREFUSED/);
    expect(output).not.toContain('hunter2');
  });

  it('when --demo meets a PostgreSQL AZUMA_DB, then the message names it without its password', () => {
    expect(() => loadConfig({ AZUMA_DB: 'postgresql://azuma:hunter2@db.example/azuma' }, { demo: true })).toThrow(
      new ConfigError(
        "--demo keeps its database in memory, so AZUMA_DB='postgresql://azuma:***@db.example/azuma' would be ignored: unset AZUMA_DB, or drop --demo",
      ),
    );
  });

  it.each([
    ['postgres://azuma:hunter2@db.example:5432/azuma?sslmode=require', 'postgres://azuma:***@db.example:5432/azuma?sslmode=require'],
    ['postgresql://azuma@db.example/azuma?password=hunter2', 'postgresql://azuma@db.example/azuma?password=***'],
    // Several hosts are no WHATWG URL, but the driver takes them.
    ['postgres://azuma:hunter2@db1:5432,db2:5432/azuma', 'postgres://azuma:***@db1:5432,db2:5432/azuma'],
    ['data/azuma.sqlite', 'data/azuma.sqlite'],
  ])('when AZUMA_DB is %s, then messages show it as %s', (location, shown) => {
    expect(redactLocation(location)).toBe(shown);
  });
});
