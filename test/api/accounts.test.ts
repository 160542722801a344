// The accounts service with a password hasher the test holds in its hand, so that interleavings a
// real hash makes only likely happen every time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract } from '@azuma/contract';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sessionRules } from '../../server/compose.js';
import { sqliteStore } from '../../server/db/sqlite/store.js';
import type { Store } from '../../server/db/store.js';
import type { PasswordHasher } from '../../server/domains/accounts/passwords.js';
import { accountService } from '../../server/domains/accounts/service.js';
import { sessionService } from '../../server/domains/sessions/service.js';
import { testConfig, testStore } from '../support/server.js';

/** A hasher that can hold one `verify` until the test releases it; a hash is the password, tagged. */
function heldHasher() {
  let next: { release: Promise<void>; reached: () => void } | undefined;
  const hasher: PasswordHasher = {
    hash: async (password) => `hash:${password}`,
    async verify(password, stored) {
      const held = next;
      next = undefined;
      if (held) {
        held.reached();
        await held.release;
      }
      return stored === `hash:${password}`;
    },
    verifyDummy: async () => false,
  };
  return {
    hasher,
    /**
     * Holds the next verify until `release` is called; `reached` resolves once one is held. (The
     * lookup before a verify may take a round trip to the database, so which call verifies next
     * is only known once it does.)
     */
    holdNext(): { release: () => void; reached: Promise<void> } {
      let release: () => void = () => {};
      let reached: () => void = () => {};
      const holding = new Promise<void>((resolve) => (reached = resolve));
      next = { release: new Promise((resolve) => (release = resolve)), reached };
      return { release, reached: holding };
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'azuma-accounts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/**
 * Where the store keeps its data: `run` is the run's backend (SQLite in memory, every step in
 * process; or PostgreSQL in the postgres project), `file` a SQLite file, whose writes go to the
 * writer thread.
 */
type Location = 'run' | 'file';

/** The services on a fresh store. */
async function accounts(location: Location) {
  store = location === 'file' ? sqliteStore(join(dir, `accounts${files++}.sqlite`)) : await testStore();
  const sessions = sessionService(store.sessions, sessionRules(testConfig(), loadContract()), Date.now);
  const held = heldHasher();
  return { held, sessions, service: accountService(store.users, held.hasher, sessions, Date.now) };
}

/** Registers an account that must be new, and answers its user. */
async function registered(service: Awaited<ReturnType<typeof accounts>>['service'], name: string, password: string) {
  const registration = await service.register(name, password, undefined);
  if (registration.outcome !== 'registered') throw new Error(`'${name}' did not register: ${registration.outcome}`);
  return registration.signedIn;
}

describe.each<Location>(process.env.AZUMA_TEST_BACKEND === 'postgres' ? ['run'] : ['run', 'file'])(
  'accounts (database in %s)',
  (location) => {
    it('when a name and its look-alike register at once, then the transaction lets exactly one in', async () => {
      const { service } = await accounts(location);
      // Both pass the early check before either hash is done; only the insert's transaction is left to decide.
      const outcomes = await Promise.all(
        ['alice', '\u0430lice', 'ＡＬＩＣＥ'].map((name) => service.register(name, 'correct horse', undefined)),
      );
      // Which one wins is the database's to decide (on PostgreSQL, whichever takes the name's lock first).
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['registered', 'taken', 'taken']);
    });

    it('when a login verified against the old password finishes after a password change, then it gets no session', async () => {
      const { held, sessions, service } = await accounts(location);
      const { user } = await registered(service, 'racer', 'old password');
      const { release, reached } = held.holdNext();
      const racing = service.login('racer', 'old password', undefined);
      await reached;
      // The change lands while the login is still verifying the old password.
      const changed = await service.changePassword(user.id, 'old password', 'new password', undefined);
      expect(changed.outcome).toBe('changed');
      release();
      expect(await racing).toBeUndefined();
      expect(await sessions.list(user.id)).toHaveLength(1);
    });

    it('when two password changes race, then the one that verified the replaced password is superseded', async () => {
      const { held, service } = await accounts(location);
      const { user } = await registered(service, 'twice', 'old password');
      const { release, reached } = held.holdNext();
      const slow = service.changePassword(user.id, 'old password', 'slow password', undefined);
      await reached;
      expect((await service.changePassword(user.id, 'old password', 'fast password', undefined)).outcome).toBe('changed');
      release();
      expect((await slow).outcome).toBe('superseded');
      expect(await service.login('twice', 'fast password', undefined)).toBeDefined();
      expect(await service.login('twice', 'slow password', undefined)).toBeUndefined();
    });
  },
);
