import type { NewUser, User, UsersRepository } from '../store.js';
import { type Sql, type Tx, transaction } from './connect.js';
import { LOCK } from './locks.js';

const taken = async (sql: Sql | Tx, nameKey: string, nameSkeleton: string) => {
  const [row] = await sql<{ taken: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM users WHERE name_key = ${nameKey} OR name_skeleton = ${nameSkeleton}) AS taken`;
  return row!.taken;
};

export function usersRepository(sql: Sql): UsersRepository {
  const first = async (rows: Promise<User[]>) => (await rows)[0];
  return {
    // No unique index can say "no look-alike exists" (and accounts from before the rules may share
    // a key), so the check and the insert run under a lock on the skeleton, which every name that
    // conflicts shares (one key means one skeleton): of concurrent inserts, on any number of
    // instances, the first commits and the others then find its row.
    insert: (user: NewUser) =>
      transaction(sql, async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${LOCK.name}, hashtext(${user.nameSkeleton}))`;
        if (await taken(tx, user.nameKey, user.nameSkeleton)) return false;
        await tx`
          INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at)
          VALUES (${user.id}, ${user.name}, ${user.nameKey}, ${user.nameSkeleton}, ${user.passwordHash}, ${user.createdAt})`;
        return true;
      }),
    nameTaken: (nameKey, nameSkeleton) => taken(sql, nameKey, nameSkeleton),
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
