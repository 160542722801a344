// What the repository suites stand on: every store the app can open, each fresh per test, and
// data shaped as the services would hand it. The sqlite project runs each suite on SQLite in
// memory (every step in process) and on a SQLite file (writes on the writer thread, reads on a
// query_only connection, so a write classed as a read fails); the postgres project
// (AZUMA_TEST_BACKEND=postgres) on a fresh PostgreSQL database. One suite, every engine: the
// implementations are held to one contract, the doc comments of each domain's repository.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { sqliteStore } from '../../server/db/sqlite/store.js';
import type { Store } from '../../server/db/store.js';
import { nameIdentity } from '../../server/domains/accounts/name-identity.js';
import type { NewUser } from '../../server/domains/accounts/repository.js';
import type { NewToken, StoredSession } from '../../server/domains/sessions/repository.js';
import { newRotationSalt } from '../../server/domains/sessions/tokens.js';
import { newObjectId } from '../../server/platform/ids.js';
import { TEST_BACKEND, testStore } from '../support/server.js';

type StoreKind = 'SQLite in memory' | 'a SQLite file' | 'PostgreSQL';

const KINDS: StoreKind[] = TEST_BACKEND === 'postgres' ? ['PostgreSQL'] : ['SQLite in memory', 'a SQLite file'];

let dir: string | undefined;
let files = 0;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function open(kind: StoreKind): Promise<Store> {
  if (kind !== 'a SQLite file') return testStore();
  dir ??= mkdtempSync(join(tmpdir(), 'azuma-repositories-'));
  return Promise.resolve(sqliteStore(join(dir, `store${files++}.sqlite`)));
}

/** Runs `suite` once per store of this project, handing it the test's fresh store. */
export function onEveryStore(suite: (store: () => Store) => void): void {
  describe.each(KINDS)('on %s', (kind) => {
    let current: Store | undefined;
    beforeEach(async () => {
      current = await open(kind);
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    suite(() => {
      if (!current) throw new Error('no store: ask for it inside a test');
      return current;
    });
  });
}

/** A user as registration inserts it, its name's identity computed as the service does. */
export function newUser(name: string, overrides: Partial<NewUser> = {}): NewUser {
  const createdAt = overrides.createdAt ?? Date.now();
  const { key, skeleton, writtenSkeleton } = nameIdentity(name);
  return {
    id: newObjectId(createdAt),
    name,
    nameKey: key,
    nameSkeleton: skeleton,
    nameSkeletonWritten: writtenSkeleton,
    passwordHash: `$scrypt$ln=10,r=8,p=1$${name}$hash`,
    createdAt,
    ...overrides,
  };
}

/** Inserts a user that must be new; resolves to it. */
export async function insertedUser(store: Store, name: string, overrides: Partial<NewUser> = {}): Promise<NewUser> {
  const user = newUser(name, overrides);
  if (!(await store.users.insert(user))) throw new Error(`'${name}' was taken`);
  return user;
}

/** A session of `userId` that began at `createdAt`. */
export function newSession(userId: string, createdAt: number, overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    id: newObjectId(createdAt),
    userId,
    createdAt,
    lastUsedAt: createdAt,
    endsAt: createdAt + DAY * 90,
    userAgent: null,
    ...overrides,
  };
}

/** A new token's stored form: its hash (random, as a token's hash is), expiring at `expiresAt`. */
export function newToken(expiresAt: number): NewToken {
  return { tokenHash: randomBytes(32), expiresAt, rotationSalt: newRotationSalt() };
}

export const DAY = 24 * 60 * 60 * 1000;
