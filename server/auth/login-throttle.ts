import { createHash } from 'node:crypto';
import type { LoginAttemptsRepository } from '../db/login-attempts.js';
import { clientKey } from './client-address.js';

export interface ThrottleRules {
  /** Failed sign-ins on an account from one client per window before the account is locked for that client; 0 = off. */
  perClient: number;
  /** Failed sign-ins on an account from everywhere per window before it is locked for clients it does not know; 0 = off. */
  perAccount: number;
  /** How long a window lasts from its first failure; a lock lasts until its window ends. */
  windowMs: number;
  /** A client that signed in to an account this recently is one the account knows. */
  knownClientMs: number;
  /** Failure rows kept at most: the sweep trims the windows that end soonest beyond it. */
  maxFailureRows: number;
}

/** A client that signed in within 30 days is one the account knows: the account-wide lock spares it. */
export const KNOWN_CLIENT_MS = 30 * 24 * 60 * 60 * 1000;
/** Clients remembered per account; the oldest beyond it are forgotten. */
const KNOWN_CLIENTS_PER_ACCOUNT = 10;
/** 100,000 rows of about 80 bytes: a few MiB at most, whatever names attackers try. */
export const MAX_FAILURE_ROWS = 100_000;
/** The row that counts the account as a whole, beside one row per client. */
const WHOLE_ACCOUNT = '';

/** The account is locked for this client: answered 429 with Retry-After. */
export class LoginLockedError extends Error {
  override name = 'LoginLockedError';
  constructor(readonly retryAfterSeconds: number) {
    super(`sign-in locked for ${retryAfterSeconds} s`);
  }
}

/** One attempt, counted as a failure from the start; settle it when it turns out otherwise. */
export interface LoginAttempt {
  /** The password was right: this client's failures are forgotten and the account knows it. */
  succeeded(): void;
  /** No password was checked (the server was busy): the attempt does not count. */
  withdrawn(): void;
}

export interface LoginThrottle {
  /**
   * Begins an attempt on the account with this identity key (whether or not an account has it)
   * from this client address, before any password is checked. Throws LoginLockedError while the
   * account is locked for the client. The attempt is counted at once, so concurrent guesses
   * cannot all slip past the check while their hashes run.
   */
  begin(identityKey: string, address: string): LoginAttempt;
  /** A sign-in without a guess (a registration): the account knows this client from now on. */
  signedIn(identityKey: string, address: string): void;
  /** Deletes what no longer counts, at most `limit` rows of each kind; returns how many went. */
  deleteExpired(now: number, limit: number): number;
}

/** Names become opaque keys: a password typed into the name field is never stored readable. */
const accountId = (identityKey: string) => createHash('sha256').update(identityKey).digest();

const SETTLED: LoginAttempt = { succeeded() {}, withdrawn() {} };

/**
 * Counts failed sign-ins per account identity (names nobody has alike, so the answers never tell
 * which exist), in two budgets over a window: a strict one per account and client, and a larger
 * one for the account as a whole that spares the clients the account knows, so that its user
 * still gets in while attackers elsewhere spend the budget.
 */
export function loginThrottle(repo: LoginAttemptsRepository, rules: ThrottleRules, now: () => number): LoginThrottle {
  const off = rules.perClient === 0 && rules.perAccount === 0;

  /** When the lock for this client lifts, or undefined when there is none. */
  const lockedUntil = (account: Buffer, client: string, at: number): number | undefined => {
    const ends: number[] = [];
    const own = rules.perClient > 0 ? repo.failures(account, client, at) : undefined;
    if (own && own.failures >= rules.perClient) ends.push(own.windowEndsAt);
    const all = rules.perAccount > 0 ? repo.failures(account, WHOLE_ACCOUNT, at) : undefined;
    if (all && all.failures >= rules.perAccount) {
      const known = repo.lastSignIn(account, client);
      if (known === undefined || at - known > rules.knownClientMs) ends.push(all.windowEndsAt);
    }
    return ends.length > 0 ? Math.max(...ends) : undefined;
  };

  return {
    begin(identityKey, address) {
      if (off) return SETTLED;
      const account = accountId(identityKey);
      const client = clientKey(address);
      const at = now();
      repo.atomically(() => {
        const until = lockedUntil(account, client, at);
        if (until !== undefined) throw new LoginLockedError(Math.max(1, Math.ceil((until - at) / 1000)));
        const windowEndsAt = at + rules.windowMs;
        if (rules.perClient > 0) repo.addFailure(account, client, at, windowEndsAt);
        if (rules.perAccount > 0) repo.addFailure(account, WHOLE_ACCOUNT, at, windowEndsAt);
      });
      let settled = false;
      const settle = (work: () => void) => {
        if (settled) return;
        settled = true;
        repo.atomically(work);
      };
      return {
        succeeded: () =>
          settle(() => {
            repo.clearFailures(account, client);
            // The account as a whole keeps counting: the attackers elsewhere have not stopped.
            repo.removeFailure(account, WHOLE_ACCOUNT, now());
            repo.recordSignIn(account, client, now(), KNOWN_CLIENTS_PER_ACCOUNT);
          }),
        withdrawn: () =>
          settle(() => {
            repo.removeFailure(account, client, now());
            repo.removeFailure(account, WHOLE_ACCOUNT, now());
          }),
      };
    },

    signedIn(identityKey, address) {
      if (off) return;
      repo.recordSignIn(accountId(identityKey), clientKey(address), now(), KNOWN_CLIENTS_PER_ACCOUNT);
    },

    deleteExpired: (at, limit) => repo.deleteExpired(at, at - rules.knownClientMs, limit, rules.maxFailureRows),
  };
}
