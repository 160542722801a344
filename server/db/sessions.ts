import type { Db } from './open.js';

/** A stored session; the token itself is never stored, only its hash. */
export interface StoredSession {
  id: number;
  userId: string;
  expiresAt: number;
  /** With the token, derives its one successor. */
  rotationSalt: Buffer;
}

export interface NewSession {
  tokenHash: Buffer;
  userId: string;
  expiresAt: number;
  rotationSalt: Buffer;
}

export interface SessionsRepository {
  insert(session: NewSession): void;
  /** The live session with this token hash, if any. */
  findLive(tokenHash: Buffer, now: number): StoredSession | undefined;
  /**
   * Inserts the session unless its token hash exists already, and returns the expiry of the row
   * that holds the hash. Successor tokens are derived from their predecessor, so this is what
   * keeps a session to one successor however often, and however concurrently, it is refreshed.
   */
  insertOnce(session: NewSession): { expiresAt: number };
  /** Deletes expired sessions, at most `limit` rows; returns how many went. */
  deleteExpired(now: number, limit: number): number;
}

export function sessionsRepository(db: Db): SessionsRepository {
  const insert = db.prepare<NewSession>(
    `INSERT INTO sessions (token_hash, user_id, expires_at, rotation_salt)
     VALUES (@tokenHash, @userId, @expiresAt, @rotationSalt)`,
  );
  const insertIfAbsent = db.prepare<NewSession>(
    `INSERT INTO sessions (token_hash, user_id, expires_at, rotation_salt)
     VALUES (@tokenHash, @userId, @expiresAt, @rotationSalt)
     ON CONFLICT (token_hash) DO NOTHING`,
  );
  const findLive = db.prepare<[Buffer, number], StoredSession>(
    `SELECT id, user_id AS userId, expires_at AS expiresAt, rotation_salt AS rotationSalt
     FROM sessions WHERE token_hash = ? AND expires_at > ?`,
  );
  const expiryByHash = db.prepare<[Buffer], { expiresAt: number }>('SELECT expires_at AS expiresAt FROM sessions WHERE token_hash = ?');
  const deleteExpired = db.prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT ?)');

  return {
    insert: (session) => void insert.run(session),
    findLive: (tokenHash, now) => findLive.get(tokenHash, now),
    insertOnce: (session) => {
      insertIfAbsent.run(session);
      return { expiresAt: expiryByHash.get(session.tokenHash)!.expiresAt };
    },
    deleteExpired: (now, limit) => deleteExpired.run(now, limit).changes,
  };
}
