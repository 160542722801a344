import { createHash } from 'node:crypto';
import { type Sql, type Tx, transaction } from '../../../db/postgres/connect.js';
import { LOCK } from '../../../db/postgres/locks.js';
import type { NameLookup, NewUser, User, UsersRepository } from '../repository.js';

const taken = async (sql: Sql | Tx, { nameKey, nameSkeleton, nameSkeletonWritten }: NameLookup) => {
  const [row] = await sql<{ taken: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM users WHERE name_key = ${nameKey}
        OR name_skeleton IN (${nameSkeleton}, ${nameSkeletonWritten})
        OR name_skeleton_written IN (${nameSkeleton}, ${nameSkeletonWritten})
    ) AS taken`;
  return row!.taken;
};

/** A skeleton's advisory lock key: the same on every instance, as the code is. */
const lockKey = (skeleton: string) => createHash('sha256').update(skeleton).digest().readInt32BE(0);

export function usersRepository(sql: Sql): UsersRepository {
  const first = async (rows: Promise<User[]>) => (await rows)[0];
  return {
    // No unique index can say "no look-alike exists" (and accounts from before the rules may share
    // a key), so the check and the insert run under a lock on each of the name's skeletons: two
    // names that collide share one (one key means one key skeleton), so of concurrent inserts, on
    // any number of instances, the first commits and the others then find its row. The locks are
    // taken in one order everywhere, so two names that share both wait rather than deadlock.
    insert: (user: NewUser) =>
      transaction(sql, async (tx) => {
        const keys = [...new Set([user.nameSkeleton, user.nameSkeletonWritten].map(lockKey))].sort((a, b) => a - b);
        for (const key of keys) await tx`SELECT pg_advisory_xact_lock(${LOCK.name}, ${key})`;
        if (await taken(tx, user)) return false;
        await tx`
          INSERT INTO users (id, name, name_key, name_skeleton, name_skeleton_written, password_hash, created_at)
          VALUES (${user.id}, ${user.name}, ${user.nameKey}, ${user.nameSkeleton}, ${user.nameSkeletonWritten}, ${user.passwordHash}, ${user.createdAt})`;
        return true;
      }),
    nameTaken: (name) => taken(sql, name),
    replacePasswordHash: async (id, current, next) =>
      (await sql`UPDATE users SET password_hash = ${next} WHERE id = ${id} AND password_hash = ${current}`).count === 1,
    // A flag per field: left out keeps the stored value, null clears it.
    updateProfile: (id, changes) =>
      first(sql<User[]>`
        UPDATE users SET icon = CASE WHEN ${'icon' in changes} THEN ${changes.icon ?? null}::text ELSE icon END,
                         status = CASE WHEN ${'status' in changes} THEN ${changes.status ?? null}::text ELSE status END
        WHERE id = ${id}
        RETURNING id, name, password_hash, icon, status`),
    findByNameKey: (nameKey) =>
      first(
        sql<User[]>`SELECT id, name, password_hash, icon, status FROM users WHERE name_key = ${nameKey} ORDER BY created_at, id LIMIT 1`,
      ),
    findById: (id) => first(sql<User[]>`SELECT id, name, password_hash, icon, status FROM users WHERE id = ${id}`),
  };
}
