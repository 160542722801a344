// LoginAttemptsRepository (server/domains/accounts/repository.ts), on every engine.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LockRules } from '../../server/domains/accounts/attempt-lock.js';
import { onEveryStore } from './stores.js';

const NOW = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;
const WINDOW = 15 * MINUTE;
const DAY = 24 * 60 * MINUTE;

/** An account's key as the throttle makes it: the hash of a name's identity key. */
const account = (name: string) => createHash('sha256').update(name).digest();
const ALICE = account('alice');
const BOB = account('bob');

/** Off unless a test turns a budget on. */
const rules = (overrides: Partial<LockRules>): LockRules => ({ perClient: 0, perAccount: 0, knownClientMs: 30 * DAY, ...overrides });

onEveryStore((store) => {
  const attempts = () => store().loginAttempts;
  /** `n` attempts from `client` at `now`, each in a window ending WINDOW later; resolves to their answers. */
  const fail = async (n: number, client: string, lockRules: LockRules, now = NOW, who = ALICE) => {
    const answers: (number | undefined)[] = [];
    for (let i = 0; i < n; i++) answers.push(await attempts().begin(who, client, now, now + WINDOW, lockRules));
    return answers;
  };

  describe('begin', () => {
    it("when a client reaches its budget, then the next attempt is locked until the window's end", async () => {
      const perClient = rules({ perClient: 3 });
      expect(await fail(3, '192.0.2.1', perClient)).toEqual([undefined, undefined, undefined]);
      expect(await fail(1, '192.0.2.1', perClient, NOW + MINUTE)).toEqual([NOW + WINDOW]);
      // A locked attempt is not counted: the client's row and the account's, three failures each.
      expect(await attempts().size()).toEqual({ failures: 2, clients: 0 });
    });

    it('when a window is live, then it keeps its end; once it ends, the count starts over in a new one', async () => {
      const perClient = rules({ perClient: 2 });
      await attempts().begin(ALICE, '192.0.2.1', NOW, NOW + WINDOW, perClient);
      await attempts().begin(ALICE, '192.0.2.1', NOW + MINUTE, NOW + MINUTE + WINDOW, perClient);
      expect(await attempts().begin(ALICE, '192.0.2.1', NOW + 2 * MINUTE, NOW + 2 * MINUTE + WINDOW, perClient)).toBe(NOW + WINDOW);
      const later = NOW + WINDOW;
      expect(await fail(2, '192.0.2.1', perClient, later)).toEqual([undefined, undefined]);
      expect(await fail(1, '192.0.2.1', perClient, later)).toEqual([later + WINDOW]);
    });

    it('when the account as a whole reaches its budget, then clients it does not know are locked, and known ones are not', async () => {
      const perAccount = rules({ perAccount: 3, knownClientMs: DAY });
      await attempts().recordSignIn(ALICE, '198.51.100.7', NOW - DAY + MINUTE, 5);
      await attempts().recordSignIn(ALICE, '198.51.100.8', NOW - DAY - MINUTE, 5);
      expect(await fail(3, '192.0.2.1', perAccount)).toEqual([undefined, undefined, undefined]);
      expect(await fail(1, '192.0.2.2', perAccount)).toEqual([NOW + WINDOW]);
      expect(await fail(1, '198.51.100.8', perAccount)).toEqual([NOW + WINDOW]);
      expect(await fail(1, '198.51.100.7', perAccount)).toEqual([undefined]);
    });

    it("when both budgets lock, then the attempt is locked until the later window's end", async () => {
      const both = rules({ perClient: 1, perAccount: 2 });
      await attempts().begin(ALICE, '192.0.2.1', NOW, NOW + WINDOW, both);
      await attempts().begin(ALICE, '192.0.2.2', NOW + MINUTE, NOW + MINUTE + WINDOW, both);
      expect(await attempts().begin(ALICE, '192.0.2.2', NOW + 2 * MINUTE, NOW + 2 * MINUTE + WINDOW, both)).toBe(NOW + MINUTE + WINDOW);
    });

    it('when the budgets are off, then nothing is ever locked', async () => {
      expect(await fail(10, '192.0.2.1', rules({}))).toEqual(Array.from({ length: 10 }, () => undefined));
    });

    it("when another account fails, then it is not counted against this one's budget", async () => {
      const perClient = rules({ perClient: 2, perAccount: 2 });
      await fail(2, '192.0.2.1', perClient, NOW, BOB);
      expect(await fail(2, '192.0.2.1', perClient)).toEqual([undefined, undefined]);
    });

    it('when attempts on one account come at once, then they are counted one after another', async () => {
      const perClient = rules({ perClient: 3 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => attempts().begin(ALICE, '192.0.2.1', NOW, NOW + WINDOW, perClient)),
      );
      expect(answers.filter((answer) => answer === undefined)).toHaveLength(3);
      expect(answers.filter((answer) => answer === NOW + WINDOW)).toHaveLength(7);
    });
  });

  describe('succeeded', () => {
    it("when the password was right, then the client's failures are forgotten and its sign-in recorded", async () => {
      const perClient = rules({ perClient: 2 });
      await fail(2, '192.0.2.1', perClient);
      await attempts().succeeded(ALICE, '192.0.2.1', NOW + MINUTE, 5);
      expect(await fail(2, '192.0.2.1', perClient, NOW + MINUTE)).toEqual([undefined, undefined]);
      expect((await attempts().size()).clients).toBe(1);
    });

    it("when the password was right, then one of the account's failures is taken back, not all", async () => {
      const perAccount = rules({ perAccount: 3, knownClientMs: 0 });
      await fail(2, '192.0.2.1', perAccount);
      await attempts().succeeded(ALICE, '192.0.2.1', NOW, 5);
      // The account counts one failure now: another client has two before the lock.
      expect(await fail(3, '192.0.2.9', perAccount, NOW + MINUTE)).toEqual([undefined, undefined, NOW + WINDOW]);
    });
  });

  describe('withdrawn', () => {
    it("when no password was checked, then the attempt's two failures are taken back", async () => {
      const perClient = rules({ perClient: 2, perAccount: 2 });
      await fail(1, '192.0.2.1', perClient);
      await attempts().withdrawn(ALICE, '192.0.2.1', NOW);
      expect(await attempts().size()).toEqual({ failures: 0, clients: 0 });
      expect(await fail(3, '192.0.2.1', perClient)).toEqual([undefined, undefined, NOW + WINDOW]);
    });

    it('when nothing was counted, then nothing is taken back below zero', async () => {
      await attempts().withdrawn(ALICE, '192.0.2.1', NOW);
      expect(await attempts().size()).toEqual({ failures: 0, clients: 0 });
      expect(await fail(2, '192.0.2.1', rules({ perClient: 1 }))).toEqual([undefined, NOW + WINDOW]);
    });

    it('when the window ended meanwhile, then the new count is left alone', async () => {
      const perClient = rules({ perClient: 1 });
      await fail(1, '192.0.2.1', perClient);
      await attempts().withdrawn(ALICE, '192.0.2.1', NOW + WINDOW);
      expect(await attempts().size()).toEqual({ failures: 2, clients: 0 });
    });
  });

  describe('recordSignIn', () => {
    it("when more clients sign in than it keeps, then the account's latest are kept", async () => {
      const perAccount = rules({ perAccount: 1, knownClientMs: DAY });
      for (const [i, client] of ['192.0.2.1', '192.0.2.2', '192.0.2.3'].entries())
        await attempts().recordSignIn(ALICE, client, NOW - 3 + i, 2);
      await attempts().recordSignIn(BOB, '192.0.2.1', NOW, 2);
      expect(await attempts().size()).toEqual({ failures: 0, clients: 3 });
      await fail(1, '192.0.2.9', perAccount);
      expect(await fail(1, '192.0.2.1', perAccount)).toEqual([NOW + WINDOW]);
      expect(await fail(1, '192.0.2.3', perAccount)).toEqual([undefined]);
    });

    it('when an older sign-in is recorded after a newer one, then the newer is kept', async () => {
      const perAccount = rules({ perAccount: 1, knownClientMs: DAY });
      await attempts().recordSignIn(ALICE, '192.0.2.1', NOW - MINUTE, 5);
      await attempts().recordSignIn(ALICE, '192.0.2.1', NOW - 2 * DAY, 5);
      await fail(1, '192.0.2.9', perAccount);
      expect(await fail(1, '192.0.2.1', perAccount)).toEqual([undefined]);
    });
  });

  describe('deleteExpired', () => {
    it('when windows ended and sign-ins are old, then they go and are counted; live ones stay', async () => {
      await fail(1, '192.0.2.1', rules({}), NOW - WINDOW);
      await fail(1, '192.0.2.2', rules({}), NOW, BOB);
      await attempts().recordSignIn(ALICE, '192.0.2.1', NOW - 31 * DAY, 5);
      await attempts().recordSignIn(ALICE, '192.0.2.2', NOW - DAY, 5);
      expect(await attempts().deleteExpired(NOW, NOW - 30 * DAY, 100, 100)).toBe(3);
      expect(await attempts().size()).toEqual({ failures: 2, clients: 1 });
      expect(await attempts().deleteExpired(NOW, NOW - 30 * DAY, 100, 100)).toBe(0);
    });

    it('when more than the limit are due, then at most the limit of each kind go per call', async () => {
      for (const [i, client] of ['192.0.2.1', '192.0.2.2', '192.0.2.3'].entries()) {
        await fail(1, client, rules({}), NOW - WINDOW - i);
        await attempts().recordSignIn(ALICE, client, NOW - 31 * DAY, 5);
      }
      // Four failure rows (three clients', the account's) and three sign-ins are due.
      expect(await attempts().deleteExpired(NOW, NOW - 30 * DAY, 2, 100)).toBe(4);
      expect(await attempts().deleteExpired(NOW, NOW - 30 * DAY, 2, 100)).toBe(3);
      expect(await attempts().size()).toEqual({ failures: 0, clients: 0 });
    });

    it('when more failure rows are held than allowed, then those whose windows end first go', async () => {
      const perClient = rules({ perClient: 1 });
      for (const [i, who] of [account('first'), account('second'), account('third')].entries()) {
        await fail(1, '192.0.2.1', perClient, NOW + i * MINUTE, who);
      }
      expect(await attempts().deleteExpired(NOW + MINUTE, NOW - 30 * DAY, 100, 2)).toBe(4);
      expect(await attempts().size()).toEqual({ failures: 2, clients: 0 });
      expect(await fail(1, '192.0.2.1', perClient, NOW + 2 * MINUTE, account('second'))).toEqual([undefined]);
      expect(await fail(1, '192.0.2.1', perClient, NOW + 2 * MINUTE, account('third'))).toEqual([NOW + 2 * MINUTE + WINDOW]);
    });

    it('when the surplus is over the limit, then at most the limit goes', async () => {
      for (const who of ['first', 'second', 'third'].map(account)) await fail(1, '192.0.2.1', rules({}), NOW, who);
      expect(await attempts().deleteExpired(NOW, NOW - 30 * DAY, 3, 0)).toBe(3);
      expect(await attempts().size()).toEqual({ failures: 3, clients: 0 });
    });
  });
});
