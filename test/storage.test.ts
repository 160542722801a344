// What lands on disk: versioned schema, hashed passwords and tokens only, and the KDF's real cost.

import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { domainMigrations } from '../server/domains/storage.js';
import { api } from './support/api.js';
import { legacyFence, newestVersions } from './support/legacy-schema.js';
import { buildTestApp, manualClock } from './support/server.js';
import { loginUser, registerUser } from './support/users.js';

/** Each domain at its newest version, as schema_versions holds it once migrated. */
const newest = () => newestVersions(domainMigrations.sqlite());
const FENCE = legacyFence(domainMigrations.sqlite());
const versions = (db: Database.Database) => db.prepare('SELECT domain, version FROM schema_versions ORDER BY domain').all();

const dir = mkdtempSync(join(tmpdir(), 'azuma-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage', () => {
  it('when a user registers, then only hashes of the password and token are stored', async () => {
    const dbLocation = join(dir, 'secrets.sqlite');
    // Production scrypt cost: the stored string must show the OWASP parameters.
    const app = await buildTestApp({ dbLocation }, { scrypt: undefined });
    const password = 'a very secret passphrase';
    const { token } = await registerUser(app, { name: 'Stored', password });
    await app.close();

    const db = new Database(dbLocation, { readonly: true });
    const user = db.prepare('SELECT name, name_key, password_hash FROM users').get() as Record<string, string>;
    expect(user).toMatchObject({ name: 'Stored', name_key: 'stored' });
    expect(user.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const sessions = db.prepare('SELECT token_hash FROM session_tokens').all() as Array<{ token_hash: Buffer }>;
    expect(sessions).toEqual([{ token_hash: createHash('sha256').update(token).digest() }]);
    expect(versions(db)).toEqual(newest());
    expect(db.pragma('user_version', { simple: true })).toBe(FENCE);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const bytes = readFileSync(dbLocation).toString('latin1');
    expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(password);
  });

  it('when the database was made by this version, then reopening it migrates nothing and keeps every account', async () => {
    const dbLocation = join(dir, 'reopen.sqlite');
    const first = await buildTestApp({ dbLocation });
    for (const name of ['one', 'two', 'three']) {
      await registerUser(first, { name });
    }
    await first.close();
    const second = await buildTestApp({ dbLocation });
    for (const name of ['one', 'two', 'three']) {
      // loginUser throws unless login answers 200.
      await loginUser(second, { name });
    }
    await second.close();
  });

  it('when a domain of the database is newer than the server, then start-up refuses rather than guessing', async () => {
    const dbLocation = join(dir, 'future.sqlite');
    await (await buildTestApp({ dbLocation })).close();
    const db = new Database(dbLocation);
    db.prepare("UPDATE schema_versions SET version = version + 1 WHERE domain = 'accounts'").run();
    db.close();
    await expect(buildTestApp({ dbLocation })).rejects.toThrow(/newer than this server knows/);
  });

  it('when the database holds a domain the server does not know, then start-up refuses rather than guessing', async () => {
    const dbLocation = join(dir, 'unknown-domain.sqlite');
    await (await buildTestApp({ dbLocation })).close();
    const db = new Database(dbLocation);
    db.prepare("INSERT INTO schema_versions (domain, version) VALUES ('channels', 1)").run();
    db.close();
    await expect(buildTestApp({ dbLocation })).rejects.toThrow(/newer than this server knows/);
  });

  it('when a database from before per-domain versions is past every version, then start-up refuses rather than guessing', async () => {
    const dbLocation = join(dir, 'future-legacy.sqlite');
    const db = new Database(dbLocation);
    db.pragma(`user_version = ${FENCE}`);
    db.close();
    await expect(buildTestApp({ dbLocation })).rejects.toThrow(/newer than this server knows/);
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
    const dbLocation = join(dir, 'from-1.0.sqlite');
    copyFileSync(new URL('./fixtures/azuma-1.0.sqlite', import.meta.url), dbLocation);
    const before = new Database(dbLocation, { readonly: true });
    expect(before.pragma('user_version', { simple: true })).toBe(1);
    const { issued } = before.prepare('SELECT min(expires_at) AS issued FROM sessions').get() as { issued: number };
    before.close();
    // The 1.0 tokens were issued for 30 days: be five days into them, whenever this test runs.
    const clock = manualClock(issued - 25 * 24 * 3600 * 1000);

    const app = await buildTestApp({ dbLocation }, { now: clock.now });
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
    const after = new Database(dbLocation, { readonly: true });
    expect(versions(after)).toEqual(newest());
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sessions_1_0'").get()).toEqual({ n: 0 });
    after.close();
  });
});

describe('upgrading from 1.3, before migrations were per domain', () => {
  it('when a database the 1.3 server left is opened, then nothing migrates again and every account and session stays', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/azuma-1.3.json', import.meta.url), 'utf8')) as {
      madeAt: number;
      accounts: Array<{ name: string; password: string; id: string; tokens: string[] }>;
    };
    const dbLocation = join(dir, 'from-1.3.sqlite');
    copyFileSync(new URL('./fixtures/azuma-1.3.sqlite', import.meta.url), dbLocation);
    chmodSync(dbLocation, 0o600);
    const before = new Database(dbLocation, { readonly: true });
    expect(before.pragma('user_version', { simple: true })).toBe(5);
    before.close();

    // A migration run a second time would fail (its tables exist) and stop start-up.
    const lines: string[] = [];
    const app = await buildTestApp(
      { dbLocation, logLevel: 'warn' },
      { now: manualClock(fixture.madeAt + 3600_000).now, logStream: { write: (line) => void lines.push(line) } },
    );
    try {
      for (const account of fixture.accounts) {
        for (const token of account.tokens) {
          const me = await app.inject({ url: '/api/me', headers: { 'azuma-session': token } });
          expect(me.json()).toMatchObject({ _id: { $oid: account.id }, name: account.name });
        }
        const login = await app.inject({ method: 'POST', url: '/api/login', payload: { name: account.name, password: account.password } });
        expect(login.json()).toMatchObject({ userid: { $oid: account.id } });
      }
    } finally {
      await app.close();
    }
    expect(lines).toEqual([]);
    const after = new Database(dbLocation, { readonly: true });
    expect(versions(after)).toEqual(newest());
    // What a 1.3 server reads: a version past its own, so it refuses the file rather than migrate it.
    expect(after.pragma('user_version', { simple: true })).toBe(FENCE);
    after.close();
  });
});
