import type { Db } from './open.js';

/** An account as the services see it. */
export interface User {
  id: string;
  name: string;
  /** PHC string of the password's scrypt hash. */
  passwordHash: string;
  icon: string | null;
  status: string | null;
}

export interface NewUser {
  id: string;
  name: string;
  /** The identity two names share when they are one account. */
  nameKey: string;
  /** The identity two names share when they look alike. */
  nameSkeleton: string;
  passwordHash: string;
  createdAt: number;
}

/** Profile fields to change; a field left out keeps its value. */
export interface ProfileChanges {
  icon?: string | null;
  status?: string | null;
}

export interface UsersRepository {
  /** Inserts the user; false when an account has its name key or its skeleton. */
  insert(user: NewUser): boolean;
  /** Whether an account has this name key or this skeleton. */
  nameTaken(nameKey: string, nameSkeleton: string): boolean;
  setPasswordHash(id: string, passwordHash: string): void;
  /** Applies the changes and returns the user as stored now. */
  updateProfile(id: string, changes: ProfileChanges): User | undefined;
  /** The oldest account with this key: accounts registered under older rules may share one. */
  findByNameKey(nameKey: string): User | undefined;
  findById(id: string): User | undefined;
}

const COLUMNS = 'id, name, password_hash AS passwordHash, icon, status';

export function usersRepository(db: Db): UsersRepository {
  const insert = db.prepare<NewUser>(
    `INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at)
     VALUES (@id, @name, @nameKey, @nameSkeleton, @passwordHash, @createdAt)`,
  );
  const taken = db.prepare<{ nameKey: string; nameSkeleton: string }, { taken: number }>(
    'SELECT EXISTS (SELECT 1 FROM users WHERE name_key = @nameKey OR name_skeleton = @nameSkeleton) AS taken',
  );
  const nameTaken = (nameKey: string, nameSkeleton: string) => taken.get({ nameKey, nameSkeleton })?.taken === 1;
  // No unique index can say "no look-alike exists" (and accounts from before the rules may share
  // a key), so the check and the insert are one transaction: IMMEDIATE takes the write lock
  // first, so no other connection can insert between them.
  const insertIfFree = db.transaction((user: NewUser) => !nameTaken(user.nameKey, user.nameSkeleton) && insert.run(user).changes === 1);
  const byNameKey = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE name_key = ? ORDER BY created_at, id LIMIT 1`);
  const byId = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const setPasswordHash = db.prepare<[string, string]>('UPDATE users SET password_hash = ? WHERE id = ?');
  // A flag per field: left out keeps the stored value, null clears it.
  const updateProfile = db.prepare<{ id: string; setIcon: number; icon: string | null; setStatus: number; status: string | null }>(
    `UPDATE users SET icon = CASE WHEN @setIcon THEN @icon ELSE icon END,
                      status = CASE WHEN @setStatus THEN @status ELSE status END
     WHERE id = @id`,
  );
  return {
    insert: (user) => insertIfFree.immediate(user),
    nameTaken,
    setPasswordHash: (id, passwordHash) => void setPasswordHash.run(passwordHash, id),
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
