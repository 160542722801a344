import type { Db } from '../../../db/sqlite/connection.js';
import type { Sync } from '../../../db/sqlite/sync.js';
import type { NameLookup, NewUser, User, UsersRepository } from '../repository.js';

const COLUMNS = 'id, name, password_hash AS passwordHash, icon, status';

export function usersRepository(db: Db): Sync<UsersRepository> {
  const insert = db.prepare<NewUser>(
    `INSERT INTO users (id, name, name_key, name_skeleton, name_skeleton_written, password_hash, created_at)
     VALUES (@id, @name, @nameKey, @nameSkeleton, @nameSkeletonWritten, @passwordHash, @createdAt)`,
  );
  const taken = db.prepare<NameLookup, { taken: number }>(
    `SELECT EXISTS (
       SELECT 1 FROM users WHERE name_key = @nameKey
         OR name_skeleton IN (@nameSkeleton, @nameSkeletonWritten)
         OR name_skeleton_written IN (@nameSkeleton, @nameSkeletonWritten)
     ) AS taken`,
  );
  const nameTaken = ({ nameKey, nameSkeleton, nameSkeletonWritten }: NameLookup) =>
    taken.get({ nameKey, nameSkeleton, nameSkeletonWritten })?.taken === 1;
  // No unique index can say "no look-alike exists" (and accounts from before the rules may share
  // a key), so the check and the insert are one transaction: IMMEDIATE takes the write lock
  // first, so no other connection can insert between them.
  const insertIfFree = db.transaction((user: NewUser) => !nameTaken(user) && insert.run(user).changes === 1);
  const byNameKey = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE name_key = ? ORDER BY created_at, id LIMIT 1`);
  const byId = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const replaceHash = db.prepare<[string, string, string]>('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?');
  // A flag per field: left out keeps the stored value, null clears it.
  const updateProfile = db.prepare<{ id: string; setIcon: number; icon: string | null; setStatus: number; status: string | null }>(
    `UPDATE users SET icon = CASE WHEN @setIcon THEN @icon ELSE icon END,
                      status = CASE WHEN @setStatus THEN @status ELSE status END
     WHERE id = @id`,
  );
  return {
    insert: (user) => insertIfFree.immediate(user),
    nameTaken,
    replacePasswordHash: (id, current, next) => replaceHash.run(next, id, current).changes === 1,
    updateProfile: (id, changes) => {
      updateProfile.run({
        id,
        setIcon: 'icon' in changes ? 1 : 0,
        icon: changes.icon ?? null,
        setStatus: 'status' in changes ? 1 : 0,
        status: changes.status ?? null,
      });
      return byId.get(id);
    },
    findByNameKey: (nameKey) => byNameKey.get(nameKey),
    findById: (id) => byId.get(id),
  };
}
