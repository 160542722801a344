import type { Db } from './open.js';

export interface UserRow {
  id: string;
  name: string;
  password_hash: string;
  icon: string | null;
  status: string | null;
}

export interface NewUser {
  id: string;
  name: string;
  nameKey: string;
  passwordHash: string;
  createdAt: number;
}

export interface UsersRepository {
  /** Inserts the user; false when the name key is already taken. */
  insert(user: NewUser): boolean;
  findByNameKey(nameKey: string): UserRow | undefined;
  findById(id: string): UserRow | undefined;
}

export function usersRepository(db: Db): UsersRepository {
  const insert = db.prepare(
    `INSERT INTO users (id, name, name_key, password_hash, created_at)
     VALUES (@id, @name, @nameKey, @passwordHash, @createdAt)
     ON CONFLICT (name_key) DO NOTHING`,
  );
  const byNameKey = db.prepare<[string], UserRow>(
    'SELECT id, name, password_hash, icon, status FROM users WHERE name_key = ?',
  );
  const byId = db.prepare<[string], UserRow>('SELECT id, name, password_hash, icon, status FROM users WHERE id = ?');
  return {
    insert: (user) => insert.run(user).changes === 1,
    findByNameKey: (nameKey) => byNameKey.get(nameKey),
    findById: (id) => byId.get(id),
  };
}
