import type { AttemptState } from './repository.js';

/** The budgets a login attempt is checked against (the throttle's rules, as plain data). */
export interface LockRules {
  /** Failures per account and client per window; 0 = off. */
  perClient: number;
  /** Failures per account per window, for clients it does not know; 0 = off. */
  perAccount: number;
  /** A client that signed in this recently is one the account knows. */
  knownClientMs: number;
}

/**
 * When the lock on this attempt lifts, or undefined when there is none. Every engine applies it
 * inside the attempt's transaction, so what it reads cannot change before the count is written.
 */
export function lockEnd(rules: LockRules, at: number, { own, all, lastSignIn }: AttemptState): number | undefined {
  const ends: number[] = [];
  if (rules.perClient > 0 && own && own.failures >= rules.perClient) ends.push(own.windowEndsAt);
  if (rules.perAccount > 0 && all && all.failures >= rules.perAccount) {
    if (lastSignIn === undefined || at - lastSignIn > rules.knownClientMs) ends.push(all.windowEndsAt);
  }
  return ends.length > 0 ? Math.max(...ends) : undefined;
}
