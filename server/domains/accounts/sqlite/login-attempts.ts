import type { Db } from '../../../db/sqlite/connection.js';
import type { Sync } from '../../../db/sqlite/sync.js';
import { type LockRules, lockEnd } from '../attempt-lock.js';
import type { FailureCount, LoginAttemptsRepository } from '../repository.js';

/** The row that counts the account as a whole, beside one row per client. */
const WHOLE_ACCOUNT = '';

export function loginAttemptsRepository(db: Db): Sync<LoginAttemptsRepository> {
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

  const removeFailure = (account: Buffer, client: string, now: number) => {
    decrement.run(account, client, now);
    clearEmpty.run(account, client);
  };
  const recordSignIn = (account: Buffer, client: string, at: number, keep: number) => {
    upsertSignIn.run(account, client, at);
    keepLatest.run(account, account, keep);
  };
  const begin = db.transaction((account: Buffer, client: string, now: number, windowEnds: number, rules: LockRules) => {
    const until = lockEnd(rules, now, {
      own: failures.get(account, client, now),
      all: failures.get(account, WHOLE_ACCOUNT, now),
      lastSignIn: lastSignIn.get(account, client)?.at,
    });
    if (until !== undefined) return until;
    addFailure.run({ account, client, now, windowEnds });
    addFailure.run({ account, client: WHOLE_ACCOUNT, now, windowEnds });
    return undefined;
  });
  const succeeded = db.transaction((account: Buffer, client: string, now: number, keep: number) => {
    clear.run(account, client);
    // The account as a whole keeps counting: the attackers elsewhere have not stopped.
    removeFailure(account, WHOLE_ACCOUNT, now);
    recordSignIn(account, client, now, keep);
  });
  const withdrawn = db.transaction((account: Buffer, client: string, now: number) => {
    removeFailure(account, client, now);
    removeFailure(account, WHOLE_ACCOUNT, now);
  });

  return {
    begin: (account, client, now, windowEnds, rules) => begin.immediate(account, client, now, windowEnds, rules),
    succeeded: (account, client, now, keep) => succeeded.immediate(account, client, now, keep),
    withdrawn: (account, client, now) => withdrawn.immediate(account, client, now),
    recordSignIn: db.transaction(recordSignIn),
    deleteExpired(now, signedInBefore, limit, maxFailureRows) {
      let deleted = deleteEndedWindows.run(now, limit).changes + deleteOldSignIns.run(signedInBefore, limit).changes;
      const surplus = countFailures.get()!.n - maxFailureRows;
      if (surplus > 0) deleted += deleteSoonestEnding.run(Math.min(surplus, limit)).changes;
      return deleted;
    },
    size: () => ({ failures: countFailures.get()!.n, clients: countClients.get()!.n }),
  };
}
