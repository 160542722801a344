import { createHash } from 'node:crypto';
import { clientKey } from '../../http/client-address.js';
import { LoginLockedError } from './errors.js';
import type { LoginAttemptsRepository } from './repository.js';

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

/** One attempt, counted as a failure from the start; settle it when it turns out otherwise. */
export interface LoginAttempt {
  /** The password was right: this client's failures are forgotten and the account knows it. */
  succeeded(): Promise<void>;
  /** No password was checked (the server was busy): the attempt does not count. */
  withdrawn(): Promise<void>;
}

export interface LoginThrottle {
  /**
   * Begins an attempt on the account with this identity key (whether or not an account has it)
   * from this client address, before any password is checked. Throws LoginLockedError while the
   * account is locked for the client. The attempt is counted at once, so concurrent guesses
   * cannot all slip past the check while their hashes run.
   */
  begin(identityKey: string, address: string): Promise<LoginAttempt>;
  /** A sign-in without a guess (a registration): the account knows this client from now on. */
  signedIn(identityKey: string, address: string): Promise<void>;
  /** Deletes what no longer counts, at most `limit` rows of each kind; returns how many went. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** Names become opaque keys: a password typed into the name field is never stored readable. */
const accountId = (identityKey: string) => createHash('sha256').update(identityKey).digest();

const SETTLED: LoginAttempt = { succeeded: async () => {}, withdrawn: async () => {} };

/**
 * Counts failed sign-ins per account identity (names nobody has alike, so the answers never tell
 * which exist), in two budgets over a window: a strict one per account and client, and a larger
 * one for the account as a whole that spares the clients the account knows, so that its user
 * still gets in while attackers elsewhere spend the budget.
 */
export function loginThrottle(repo: LoginAttemptsRepository, rules: ThrottleRules, now: () => number): LoginThrottle {
  const off = rules.perClient === 0 && rules.perAccount === 0;

  return {
    async begin(identityKey, address) {
      if (off) return SETTLED;
      const account = accountId(identityKey);
      const client = clientKey(address);
      const at = now();
      const until = await repo.begin(account, client, at, at + rules.windowMs, rules);
      if (until !== undefined) throw new LoginLockedError(Math.max(1, Math.ceil((until - at) / 1000)));
      let settled = false;
      const settle = async (work: () => Promise<void>) => {
        if (settled) return;
        settled = true;
        await work();
      };
      return {
        succeeded: () => settle(() => repo.succeeded(account, client, now(), KNOWN_CLIENTS_PER_ACCOUNT)),
        withdrawn: () => settle(() => repo.withdrawn(account, client, now())),
      };
    },

    async signedIn(identityKey, address) {
      if (off) return;
      await repo.recordSignIn(accountId(identityKey), clientKey(address), now(), KNOWN_CLIENTS_PER_ACCOUNT);
    },

    deleteExpired: (at, limit) => repo.deleteExpired(at, at - rules.knownClientMs, limit, rules.maxFailureRows),
  };
}
