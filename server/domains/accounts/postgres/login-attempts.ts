import { inOrder, type Sql, type Tx, transaction } from '../../../db/postgres/connect.js';
import { LOCK } from '../../../db/postgres/locks.js';
import { lockEnd } from '../attempt-lock.js';
import type { FailureCount, LoginAttemptsRepository } from '../repository.js';

/** The row that counts the account as a whole, beside one row per client. */
const WHOLE_ACCOUNT = '';

/**
 * Everything done to one account's rows takes turns, on every instance: this lock is held until
 * the transaction ends. (Row locks could not do it: the first attempt has no row to lock.)
 */
const lockAccount = (tx: Tx, account: Buffer) => tx`SELECT pg_advisory_xact_lock(${LOCK.account}, hashtext(encode(${account}, 'hex')))`;

const failures = (tx: Tx, account: Buffer, client: string, now: number) => tx<FailureCount[]>`
  SELECT failures, window_ends AS window_ends_at FROM login_failures
  WHERE account = ${account} AND client = ${client} AND window_ends > ${now}`;

// The stored row's values on the right of SET are the ones before this update.
const addFailure = (tx: Tx, account: Buffer, client: string, now: number, windowEnds: number) => tx`
  INSERT INTO login_failures AS f (account, client, failures, window_ends) VALUES (${account}, ${client}, 1, ${windowEnds})
  ON CONFLICT (account, client) DO UPDATE SET
    failures = CASE WHEN f.window_ends > ${now} THEN f.failures + 1 ELSE 1 END,
    window_ends = CASE WHEN f.window_ends > ${now} THEN f.window_ends ELSE ${windowEnds} END`;

const removeFailure = async (tx: Tx, account: Buffer, client: string, now: number) => {
  await tx`UPDATE login_failures SET failures = failures - 1 WHERE account = ${account} AND client = ${client} AND window_ends > ${now}`;
  await tx`DELETE FROM login_failures WHERE account = ${account} AND client = ${client} AND failures <= 0`;
};

const recordSignIn = async (tx: Tx, account: Buffer, client: string, at: number, keep: number) => {
  await tx`
    INSERT INTO login_clients AS c (account, client, signed_in_at) VALUES (${account}, ${client}, ${at})
    ON CONFLICT (account, client) DO UPDATE SET signed_in_at = greatest(c.signed_in_at, excluded.signed_in_at)`;
  await tx`
    DELETE FROM login_clients WHERE account = ${account} AND client NOT IN (
      SELECT client FROM login_clients WHERE account = ${account} ORDER BY signed_in_at DESC LIMIT ${keep}
    )`;
};

const count = async (sql: Sql | Tx, table: 'login_failures' | 'login_clients') =>
  (await sql<{ n: number }[]>`SELECT count(*) AS n FROM ${sql(table)}`)[0]!.n;

export function loginAttemptsRepository(sql: Sql): LoginAttemptsRepository {
  return {
    begin: (account, client, now, windowEnds, rules) =>
      transaction(sql, async (tx) => {
        // The reads run once the lock is held: they see every attempt counted before this one.
        const [, [own], [all], [signedIn]] = await inOrder(
          lockAccount(tx, account),
          failures(tx, account, client, now),
          failures(tx, account, WHOLE_ACCOUNT, now),
          tx<{ at: number }[]>`SELECT signed_in_at AS at FROM login_clients WHERE account = ${account} AND client = ${client}`,
        );
        const until = lockEnd(rules, now, { own, all, lastSignIn: signedIn?.at });
        if (until !== undefined) return until;
        await inOrder(addFailure(tx, account, client, now, windowEnds), addFailure(tx, account, WHOLE_ACCOUNT, now, windowEnds));
        return undefined;
      }),
    succeeded: (account, client, now, keep) =>
      transaction(sql, async (tx) => {
        await lockAccount(tx, account);
        await tx`DELETE FROM login_failures WHERE account = ${account} AND client = ${client}`;
        // The account as a whole keeps counting: the attackers elsewhere have not stopped.
        await removeFailure(tx, account, WHOLE_ACCOUNT, now);
        await recordSignIn(tx, account, client, now, keep);
      }),
    withdrawn: (account, client, now) =>
      transaction(sql, async (tx) => {
        await lockAccount(tx, account);
        await removeFailure(tx, account, client, now);
        await removeFailure(tx, account, WHOLE_ACCOUNT, now);
      }),
    recordSignIn: (account, client, at, keep) =>
      transaction(sql, async (tx) => {
        await lockAccount(tx, account);
        await recordSignIn(tx, account, client, at, keep);
      }),
    // One instance sweeps at a time (the others find the lock taken and delete nothing), skipping
    // rows an attempt holds, so the sweep never waits on a sign-in.
    deleteExpired: (now, signedInBefore, limit, maxFailureRows) =>
      transaction(sql, async (tx) => {
        const [lock] = await tx<{ got: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK.sweepAttempts}, 0) AS got`;
        if (!lock!.got) return 0;
        const ended = await tx`
          DELETE FROM login_failures WHERE (account, client) IN (
            SELECT account, client FROM login_failures WHERE window_ends <= ${now} LIMIT ${limit} FOR UPDATE SKIP LOCKED
          )`;
        const old = await tx`
          DELETE FROM login_clients WHERE (account, client) IN (
            SELECT account, client FROM login_clients WHERE signed_in_at < ${signedInBefore} LIMIT ${limit} FOR UPDATE SKIP LOCKED
          )`;
        let deleted = ended.count + old.count;
        const surplus = (await count(tx, 'login_failures')) - maxFailureRows;
        if (surplus > 0) {
          const soonest = await tx`
            DELETE FROM login_failures WHERE (account, client) IN (
              SELECT account, client FROM login_failures ORDER BY window_ends LIMIT ${Math.min(surplus, limit)} FOR UPDATE SKIP LOCKED
            )`;
          deleted += soonest.count;
        }
        return deleted;
      }),
    size: async () => ({ failures: await count(sql, 'login_failures'), clients: await count(sql, 'login_clients') }),
  };
}
