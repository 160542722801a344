// What lands on disk: versioned schema, hashed passwords and tokens only, and the KDF's real cost.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../generated/contract-facts.js';
import { migrations } from '../server/db/sqlite/migrations.js';
import { api } from './support/api.js';
import { buildTestApp, manualClock } from './support/server.js';
import { loginUser, registerUser } from './support/users.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage', () => {
  it('when a user registers, then only hashes of the password and token are stored', async () => {
    const dbPath = join(dir, 'secrets.sqlite');
    // Production scrypt cost: the stored string must show the OWASP parameters.
    const app = await buildTestApp({ dbPath }, { scrypt: undefined });
    const password = 'a very secret passphrase';
    const { token } = await registerUser(app, { name: 'Stored', password });
    await app.close();

    const db = new Database(dbPath, { readonly: true });
    const user = db.prepare('SELECT name, name_key, password_hash FROM users').get() as Record<string, string>;
    expect(user).toMatchObject({ name: 'Stored', name_key: 'stored' });
    expect(user.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const sessions = db.prepare('SELECT token_hash FROM session_tokens').all() as Array<{ token_hash: Buffer }>;
    expect(sessions).toEqual([{ token_hash: createHash('sha256').update(token).digest() }]);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const bytes = readFileSync(dbPath).toString('latin1');
    expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(password);
  });

  it('when the database was made by this version, then reopening it migrates nothing and keeps every account', async () => {
    const dbPath = join(dir, 'reopen.sqlite');
    const first = await buildTestApp({ dbPath });
    for (const name of ['one', 'two', 'three']) {
      await registerUser(first, { name });
    }
    await first.close();
    const second = await buildTestApp({ dbPath });
    for (const name of ['one', 'two', 'three']) {
      // loginUser throws unless login answers 200.
      await loginUser(second, { name });
    }
    await second.close();
  });

  it('when the database is newer than the server, then start-up refuses rather than guessing', async () => {
    const dbPath = join(dir, 'future.sqlite');
    const db = new Database(dbPath);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    await expect(buildTestApp({ dbPath })).rejects.toThrow(/newer than this server knows/);
  });
});

describe('password hashing under load', () => {
  it('when the hashing queue is full, then further logins get 503 with Retry-After instead of waiting', async () => {
    const app = await buildTestApp({ hashConcurrency: 1, hashQueueLimit: 1 }, { scrypt: undefined });
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api(app).post('/api/login', { body: { name: `nobody${i}`, password: 'whatever' } })),
    );
    const statuses = attempts.map((r) => r.statusCode).sort();
    // One hashing, one queued; the other four are refused at once.
    expect(statuses).toEqual([401, 401, 503, 503, 503, 503]);
    const busy = attempts.find((r) => r.statusCode === 503)!;
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json()).toMatchObject({ code: 503, message: ERROR_MESSAGES[503] });
    await app.close();
  });
});

describe('upgrading from contract 1.0', () => {
  it('when a database made by the 1.0 server is opened, then every account and every session survives the migration', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/azuma-1.0.json', import.meta.url), 'utf8')) as {
      accounts: Array<{ name: string; password: string; id: string; tokens: string[] }>;
    };
    const dbPath = join(dir, 'from-1.0.sqlite');
    copyFileSync(new URL('./fixtures/azuma-1.0.sqlite', import.meta.url), dbPath);
    const before = new Database(dbPath, { readonly: true });
    expect(before.pragma('user_version', { simple: true })).toBe(1);
    const { issued } = before.prepare('SELECT min(expires_at) AS issued FROM sessions').get() as { issued: number };
    before.close();
    // The 1.0 tokens were issued for 30 days: be five days into them, whenever this test runs.
    const clock = manualClock(issued - 25 * 24 * 3600 * 1000);

    const app = await buildTestApp({ dbPath }, { now: clock.now });
    try {
      for (const account of fixture.accounts) {
        for (const token of account.tokens) {
          const me = await api(app).get('/api/me', { token });
          expect(me.json()).toMatchObject({ _id: { $oid: account.id }, name: account.name });
        }
        const list = await api(app).get('/api/me/sessions', { token: account.tokens[0]! });
        expect(list.json().sessions).toHaveLength(account.tokens.length);
        const { session } = await loginUser(app, account);
        expect(session).toMatchObject({ userid: { $oid: account.id } });
      }
    } finally {
      await app.close();
    }
    const after = new Database(dbPath, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sessions_1_0'").get()).toEqual({ n: 0 });
    after.close();
  });
});
