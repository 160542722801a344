// The operator guide's backup recipes, run against a live server: a copy taken while it serves is
// a database another server starts on, with every account in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api.js';
import { type RunningServer, startServer } from './support/server.js';
import { loginUser, registerUser } from './support/users.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-backup-'));
const live = join(dir, 'azuma.sqlite');
const account = { name: 'backed_up', password: 'correct horse battery' };

describe('backups of the data file', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ dbLocation: live });
    await registerUser(server.url, account);
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
      const { token } = await loginUser(restored.url, account);
      const me = await api(restored.url).get('/api/me', { token });
      expect(((await me.json()) as { name: string }).name).toBe(account.name);
    } finally {
      await restored.close();
    }
  });
});
