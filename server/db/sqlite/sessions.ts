import type { Db } from './open.js';

/** A session as the services see it: one login and its chain of tokens. */
export interface StoredSession {
  id: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number;
  /** The absolute end: no token of the session outlives it. */
  endsAt: number;
  userAgent: string | null;
}

/** A live token with the session it belongs to. */
export interface LiveToken {
  session: StoredSession;
  expiresAt: number;
  /** With the token, derives its one successor. */
  rotationSalt: Buffer;
}

/** A live session with the expiry of its newest token, for the session list. */
export interface SessionSummary extends StoredSession {
  expiresAt: number;
}

export interface NewToken {
  tokenHash: Buffer;
  expiresAt: number;
  rotationSalt: Buffer;
}

export interface SessionsRepository {
  /** Stores a new session with its first token; first ends the user's oldest sessions so that at most `cap` stay live. */
  begin(session: StoredSession, token: NewToken, cap: number): void;
  /** The live token with this hash, in a live session, if any. */
  findLive(tokenHash: Buffer, now: number): LiveToken | undefined;
  /**
   * Adds `successor` to the session unless its hash exists already, keeps only it and the token
   * it succeeds (`predecessorHash`), and returns the successor's expiry. Successors are derived
   * from their predecessor, so this keeps a token to one successor however often, and however
   * concurrently, it is refreshed; and a session to two tokens however fast it rotates.
   * Undefined when the session ended meanwhile.
   */
  rotate(sessionId: string, predecessorHash: Buffer, successor: NewToken): { expiresAt: number } | undefined;
  /** Records a use, at most once per `resolutionMs`. */
  touch(sessionId: string, now: number, resolutionMs: number): void;
  /** The user's live sessions, newest first. */
  listLive(userId: string, now: number): SessionSummary[];
  /** Ends one session of the user; false when the user has no such session. */
  end(userId: string, sessionId: string): boolean;
  /** Ends every session of the user but `keep` (all of them when undefined); returns how many. */
  endAllBut(userId: string, keep: string | undefined): number;
  /** Deletes expired tokens, and sessions past their end or left without tokens, at most `limit` rows each; returns how many went. */
  deleteExpired(now: number, limit: number): number;
}

const SESSION_COLUMNS = `s.id, s.user_id AS userId, s.created_at AS createdAt, s.last_used_at AS lastUsedAt,
  s.ends_at AS endsAt, s.user_agent AS userAgent`;

export function sessionsRepository(db: Db): SessionsRepository {
  const insertSession = db.prepare<StoredSession>(
    `INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at, user_agent)
     VALUES (@id, @userId, @createdAt, @lastUsedAt, @endsAt, @userAgent)`,
  );
  const insertToken = db.prepare<NewToken & { sessionId: string }>(
    `INSERT INTO session_tokens (token_hash, session_id, expires_at, rotation_salt)
     VALUES (@tokenHash, @sessionId, @expiresAt, @rotationSalt)
     ON CONFLICT (token_hash) DO NOTHING`,
  );
  const endOldest = db.prepare<[string, number, string]>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?
     ) AND user_id = ?`,
  );
  const findLive = db.prepare<[Buffer, number, number], StoredSession & { expiresAt: number; rotationSalt: Buffer }>(
    `SELECT ${SESSION_COLUMNS}, t.expires_at AS expiresAt, t.rotation_salt AS rotationSalt
     FROM session_tokens t JOIN sessions s ON s.id = t.session_id
     WHERE t.token_hash = ? AND t.expires_at > ? AND s.ends_at > ?`,
  );
  const sessionExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sessions WHERE id = ?');
  const expiryByHash = db.prepare<[Buffer], { expiresAt: number }>(
    'SELECT expires_at AS expiresAt FROM session_tokens WHERE token_hash = ?',
  );
  const keepTwo = db.prepare<[string, Buffer, Buffer]>('DELETE FROM session_tokens WHERE session_id = ? AND token_hash NOT IN (?, ?)');
  const touch = db.prepare<[number, string, number]>('UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at <= ?');
  const listLive = db.prepare<[string, number, number], SessionSummary>(
    `SELECT ${SESSION_COLUMNS}, max(t.expires_at) AS expiresAt
     FROM sessions s JOIN session_tokens t ON t.session_id = s.id
     WHERE s.user_id = ? AND s.ends_at > ? AND t.expires_at > ?
     GROUP BY s.id ORDER BY s.created_at DESC, s.id DESC`,
  );
  const end = db.prepare<[string, string]>('DELETE FROM sessions WHERE user_id = ? AND id = ?');
  const endAllBut = db.prepare<[string, string]>('DELETE FROM sessions WHERE user_id = ? AND id != ?');
  const deleteExpiredTokens = db.prepare<[number, number]>(
    'DELETE FROM session_tokens WHERE id IN (SELECT id FROM session_tokens WHERE expires_at <= ? LIMIT ?)',
  );
  const deleteEndedSessions = db.prepare<[number, number]>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions s WHERE s.ends_at <= ? OR NOT EXISTS (SELECT 1 FROM session_tokens t WHERE t.session_id = s.id) LIMIT ?
     )`,
  );

  const begin = db.transaction((session: StoredSession, token: NewToken, cap: number) => {
    endOldest.run(session.userId, Math.max(0, cap - 1), session.userId);
    insertSession.run(session);
    insertToken.run({ ...token, sessionId: session.id });
  });
  const rotate = db.transaction((sessionId: string, predecessorHash: Buffer, successor: NewToken) => {
    if (!sessionExists.get(sessionId)) return undefined;
    insertToken.run({ ...successor, sessionId });
    keepTwo.run(sessionId, successor.tokenHash, predecessorHash);
    return expiryByHash.get(successor.tokenHash);
  });

  return {
    begin: (session, token, cap) => begin(session, token, cap),
    findLive: (tokenHash, now) => {
      const row = findLive.get(tokenHash, now, now);
      if (!row) return undefined;
      const { expiresAt, rotationSalt, ...session } = row;
      return { session, expiresAt, rotationSalt };
    },
    rotate: (sessionId, predecessorHash, successor) => rotate(sessionId, predecessorHash, successor),
    touch: (sessionId, now, resolutionMs) => void touch.run(now, sessionId, now - resolutionMs),
    listLive: (userId, now) => listLive.all(userId, now, now),
    end: (userId, sessionId) => end.run(userId, sessionId).changes > 0,
    endAllBut: (userId, keep) => endAllBut.run(userId, keep ?? '').changes,
    deleteExpired: (now, limit) => deleteExpiredTokens.run(now, limit).changes + deleteEndedSessions.run(now, limit).changes,
  };
}
