// The operator guide's backup recipes, run against a live server: a copy taken while it serves is
// a database another server starts on, with every account in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-backup-'));
const live = join(dir, 'azuma.sqlite');
const account = { name: 'backed_up', password: 'correct horse battery' };

async function post(server: RunningServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('backups of the data file', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ dbLocation: live });
    expect((await post(server, '/api/register', account)).status).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recipes: [string, (target: string) => Promise<void>][] = [
    // What `sqlite3 data/azuma.sqlite "VACUUM INTO '<target>'"` runs.
    ['VACUUM INTO', async (target) => void new Database(live).exec(`VACUUM INTO '${target}'`).close()],
    // better-sqlite3's online backup API.
    [
      'the backup API',
      async (target) => {
        const db = new Database(live, { readonly: true });
        await db.backup(target);
        db.close();
      },
    ],
  ];

  it.each(recipes)('when copied with %s while the server runs, then a server on the copy knows the account', async (_, copy) => {
    const target = join(dir, `copy-${Math.random().toString(36).slice(2)}.sqlite`);
    await copy(target);

    const restored = await startServer({ dbLocation: target });
    try {
      const login = await post(restored, '/api/login', account);
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const me = await fetch(`${restored.url}/api/me`, { headers: { 'Azuma-Session': token } });
      expect(((await me.json()) as { name: string }).name).toBe(account.name);
    } finally {
      await restored.close();
    }
  });
});
