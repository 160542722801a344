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
  passwordHash: string;
  createdAt: number;
}

export interface UsersRepository {
  /** Inserts the user; false when the name key is already taken. */
  insert(user: NewUser): boolean;
  findByNameKey(nameKey: string): User | undefined;
  findById(id: string): User | undefined;
}

const COLUMNS = 'id, name, password_hash AS passwordHash, icon, status';

export function usersRepository(db: Db): UsersRepository {
  const insert = db.prepare<NewUser>(
    `INSERT INTO users (id, name, name_key, password_hash, created_at)
     VALUES (@id, @name, @nameKey, @passwordHash, @createdAt)
     ON CONFLICT (name_key) DO NOTHING`,
  );
  const byNameKey = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE name_key = ?`);
  const byId = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  return {
    insert: (user) => insert.run(user).changes === 1,
    findByNameKey: (nameKey) => byNameKey.get(nameKey),
    findById: (id) => byId.get(id),
  };
}
