import type { Db } from './open.js';

/** The failures counted in one live window. */
export interface FailureCount {
  failures: number;
  /** ms since epoch: the count starts over after it. */
  windowEndsAt: number;
}

/**
 * Storage for per-account brute-force protection: failure counts per (account, client) and the
 * clients that signed in to an account. Accounts are opaque keys (a hash of the name's identity
 * key); `client` '' stands for the account as a whole. In a table, not in process memory, so that
 * several servers sharing one database would share one budget per account.
 */
export interface LoginAttemptsRepository {
  /** Runs `work` in one transaction: no other attempt's counting interleaves with what it reads. */
  atomically<T>(work: () => T): T;
  /** The count of a live window, or undefined when there is none. */
  failures(account: Buffer, client: string, now: number): FailureCount | undefined;
  /** Counts one failure in the live window, or in a new one ending at `windowEndsAt`. */
  addFailure(account: Buffer, client: string, now: number, windowEndsAt: number): void;
  /** Takes one counted failure back. */
  removeFailure(account: Buffer, client: string, now: number): void;
  /** Forgets the failures of (account, client). */
  clearFailures(account: Buffer, client: string): void;
  /** When `client` last signed in to the account, if it ever did. */
  lastSignIn(account: Buffer, client: string): number | undefined;
  /** Records a sign-in from `client`, keeping only the `keep` latest clients of the account. */
  recordSignIn(account: Buffer, client: string, at: number, keep: number): void;
  /**
   * Deletes ended windows and sign-ins older than `signedInBefore`, at most `limit` rows each, then
   * failure rows beyond `maxFailureRows`, those whose windows end first; returns how many went.
   */
  deleteExpired(now: number, signedInBefore: number, limit: number, maxFailureRows: number): number;
  /** Rows held, for the bound's tests and operators' curiosity. */
  size(): { failures: number; clients: number };
}

export function loginAttemptsRepository(db: Db): LoginAttemptsRepository {
  const failures = db.prepare<[Buffer, string, number], FailureCount>(
    'SELECT failures, window_ends AS windowEndsAt FROM login_failures WHERE account = ? AND client = ? AND window_ends > ?',
  );
  // Column names on the right of SET are the stored row's values, before this update.
  const addFailure = db.prepare<{ account: Buffer; client: string; now: number; windowEnds: number }>(
    `INSERT INTO login_failures (account, client, failures, window_ends) VALUES (@account, @client, 1, @windowEnds)
     ON CONFLICT (account, client) DO UPDATE SET
       failures = CASE WHEN window_ends > @now THEN failures + 1 ELSE 1 END,
       window_ends = CASE WHEN window_ends > @now THEN window_ends ELSE @windowEnds END`,
  );
  const decrement = db.prepare<[Buffer, string, number]>(
    'UPDATE login_failures SET failures = failures - 1 WHERE account = ? AND client = ? AND window_ends > ?',
  );
  const clear = db.prepare<[Buffer, string]>('DELETE FROM login_failures WHERE account = ? AND client = ?');
  const clearEmpty = db.prepare<[Buffer, string]>('DELETE FROM login_failures WHERE account = ? AND client = ? AND failures <= 0');
  const lastSignIn = db.prepare<[Buffer, string], { at: number }>(
    'SELECT signed_in_at AS at FROM login_clients WHERE account = ? AND client = ?',
  );
  const upsertSignIn = db.prepare<[Buffer, string, number]>(
    `INSERT INTO login_clients (account, client, signed_in_at) VALUES (?, ?, ?)
     ON CONFLICT (account, client) DO UPDATE SET signed_in_at = max(signed_in_at, excluded.signed_in_at)`,
  );
  const keepLatest = db.prepare<[Buffer, Buffer, number]>(
    `DELETE FROM login_clients WHERE account = ? AND client NOT IN (
       SELECT client FROM login_clients WHERE account = ? ORDER BY signed_in_at DESC LIMIT ?
     )`,
  );
  const deleteEndedWindows = db.prepare<[number, number]>(
    `DELETE FROM login_failures WHERE (account, client) IN (
       SELECT account, client FROM login_failures WHERE window_ends <= ? LIMIT ?
     )`,
  );
  const deleteOldSignIns = db.prepare<[number, number]>(
    `DELETE FROM login_clients WHERE (account, client) IN (
       SELECT account, client FROM login_clients WHERE signed_in_at < ? LIMIT ?
     )`,
  );
  const countFailures = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM login_failures');
  const countClients = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM login_clients');
  const deleteSoonestEnding = db.prepare<[number]>(
    `DELETE FROM login_failures WHERE (account, client) IN (
       SELECT account, client FROM login_failures ORDER BY window_ends LIMIT ?
     )`,
  );

  const removeFailure = db.transaction((account: Buffer, client: string, now: number) => {
    decrement.run(account, client, now);
    clearEmpty.run(account, client);
  });
  const recordSignIn = db.transaction((account: Buffer, client: string, at: number, keep: number) => {
    upsertSignIn.run(account, client, at);
    keepLatest.run(account, account, keep);
  });

  return {
    atomically: (work) => db.transaction(work)(),
    failures: (account, client, now) => failures.get(account, client, now),
    addFailure: (account, client, now, windowEnds) => void addFailure.run({ account, client, now, windowEnds }),
    removeFailure: (account, client, now) => removeFailure(account, client, now),
    clearFailures: (account, client) => void clear.run(account, client),
    lastSignIn: (account, client) => lastSignIn.get(account, client)?.at,
    recordSignIn: (account, client, at, keep) => recordSignIn(account, client, at, keep),
    deleteExpired(now, signedInBefore, limit, maxFailureRows) {
      let deleted = deleteEndedWindows.run(now, limit).changes + deleteOldSignIns.run(signedInBefore, limit).changes;
      const surplus = countFailures.get()!.n - maxFailureRows;
      if (surplus > 0) deleted += deleteSoonestEnding.run(Math.min(surplus, limit)).changes;
      return deleted;
    },
    size: () => ({ failures: countFailures.get()!.n, clients: countClients.get()!.n }),
  };
}
