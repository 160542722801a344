// A file database's writes run on a writer thread and share commits: what callers see of it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../server/db/sqlite/store.js';
import { startWriter } from '../server/db/sqlite/writer-client.js';
import type { Store } from '../server/db/store.js';
import type { NewUser } from '../server/domains/accounts/repository.js';
import type { StoredSession } from '../server/domains/sessions/repository.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const freshPath = () => join(dir, `db${files++}.sqlite`);

const user = (name: string): NewUser => ({
  id: randomBytes(12).toString('hex'),
  name,
  nameKey: name,
  nameSkeleton: name,
  nameSkeletonWritten: name,
  passwordHash: `hash:${name}`,
  createdAt: Date.now(),
});

const session = (userId: string, id = randomBytes(16).toString('hex')): StoredSession => {
  const now = Date.now();
  return { id, userId, createdAt: now, lastUsedAt: now, endsAt: now + 3_600_000, userAgent: null };
};

const token = () => ({ tokenHash: randomBytes(32), expiresAt: Date.now() + 3_600_000, rotationSalt: randomBytes(16) });

/** The rows a fresh connection finds on disk: what another process, or a restart, would see. */
function onDisk(path: string): { users: number; sessions: number } {
  const db = new Database(path, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { users: count('users'), sessions: count('sessions') };
  } finally {
    db.close();
  }
}

describe('the SQLite writer thread', () => {
  it('when many writes run at once, then each is readable as soon as its promise resolves', async () => {
    const store = sqliteStore(freshPath());
    try {
      const users = Array.from({ length: 60 }, (_, i) => user(`user${i}`));
      await Promise.all(
        users.map(async (u) => {
          expect(await store.users.insert(u)).toBe(true);
          expect(await store.users.findById(u.id)).toMatchObject({ id: u.id, name: u.name });
          const first = token();
          expect(await store.sessions.begin(session(u.id), first, 5, u.passwordHash)).toBe(true);
          const live = await store.sessions.findLive(first.tokenHash, Date.now());
          // Buffers cross the thread as plain bytes and come back as Buffers.
          expect(Buffer.isBuffer(live?.rotationSalt)).toBe(true);
          expect(live?.rotationSalt.equals(first.rotationSalt)).toBe(true);
        }),
      );
      expect(await store.users.insert(user('user7'))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('when one step of a shared commit fails, then only its caller hears the error and the others are stored', async () => {
    const path = freshPath();
    const store = sqliteStore(path);
    try {
      const owner = user('owner');
      await store.users.insert(owner);
      const taken = session(owner.id);
      await store.sessions.begin(taken, token(), 100, owner.passwordHash);
      // Sent together, so they queue up for one commit; the duplicate id breaks the primary key.
      const outcomes = await Promise.allSettled([
        store.sessions.begin(session(owner.id), token(), 100, owner.passwordHash),
        store.sessions.begin(session(owner.id, taken.id), token(), 100, owner.passwordHash),
        store.users.insert(user('neighbour')),
        store.sessions.begin(session(owner.id), token(), 100, owner.passwordHash),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      expect(await store.sessions.listLive(owner.id, Date.now())).toHaveLength(3);
    } finally {
      await store.close();
    }
    expect(onDisk(path)).toEqual({ users: 2, sessions: 3 });
  });

  it('when the store closes with writes in flight, then they are committed first and later ones are refused', async () => {
    const path = freshPath();
    const store = sqliteStore(path);
    const writes = Array.from({ length: 20 }, (_, i) => store.users.insert(user(`late${i}`)));
    await store.close();
    expect(await Promise.all(writes)).toEqual(Array(20).fill(true));
    await expect(store.users.insert(user('after'))).rejects.toThrow(/closed/);
    expect(onDisk(path).users).toBe(20);
  });

  it('when the arguments of a step cannot cross to the thread, then that call rejects and the writes after it go on', async () => {
    const store = sqliteStore(freshPath());
    try {
      const owner = user('clone');
      await store.users.insert(owner);
      const notData = { status: (() => 'a function') as unknown as string };
      await expect(store.users.updateProfile(owner.id, notData)).rejects.toThrow(/could not be cloned/);
      expect(await store.users.updateProfile(owner.id, { status: 'fine' })).toMatchObject({ status: 'fine' });
    } finally {
      await store.close();
    }
  });

  it('when the writer thread dies, then pending and later writes reject, the failure is reported, and close does not hang', async () => {
    const warnings: string[] = [];
    // The thread cannot open a file in a folder that does not exist: it fails right after starting.
    const writer = startWriter(join(dir, 'missing', 'db.sqlite'), (message) => warnings.push(message));
    await expect(writer.run('users', 'insert', [user('lost')])).rejects.toThrow(/unable to open|directory does not exist/);
    await expect(writer.run('users', 'insert', [user('later')])).rejects.toThrow();
    expect(writer.failure).toBeInstanceOf(Error);
    expect(warnings).toEqual([expect.stringMatching(/writer thread failed/)]);
    await writer.close();
  });

  it('when a profile and a password change, then the reads (on a connection of their own) see them, and ping fails once closed', async () => {
    const path = freshPath();
    const store: Store = sqliteStore(path);
    try {
      await store.ping();
      const owner = user('reader');
      await store.users.insert(owner);
      expect(await store.users.updateProfile(owner.id, { status: 'here' })).toMatchObject({ status: 'here' });
      expect(await store.users.replacePasswordHash(owner.id, owner.passwordHash, 'hash:new')).toBe(true);
      expect(await store.users.findById(owner.id)).toMatchObject({ passwordHash: 'hash:new', status: 'here' });
    } finally {
      await store.close();
    }
    await expect(store.ping()).rejects.toThrow();
  });
});
