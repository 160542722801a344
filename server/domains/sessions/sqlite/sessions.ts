import type { Db } from '../../../db/sqlite/connection.js';
import type { Sync } from '../../../db/sqlite/sync.js';
import type { NewToken, SessionSummary, SessionsRepository, StoredSession } from '../repository.js';

const SESSION_COLUMNS = `s.id, s.user_id AS userId, s.created_at AS createdAt, s.last_used_at AS lastUsedAt,
  s.ends_at AS endsAt, s.user_agent AS userAgent`;

export function sessionsRepository(db: Db): Sync<SessionsRepository> {
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
  const findLive = db.prepare<[Buffer, number, number], StoredSession & { expiresAt: number; rotationSalt: Buffer; passwordHash: string }>(
    `SELECT ${SESSION_COLUMNS}, t.expires_at AS expiresAt, t.rotation_salt AS rotationSalt, u.password_hash AS passwordHash
     FROM session_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
     WHERE t.token_hash = ? AND t.expires_at > ? AND s.ends_at > ?`,
  );
  const passwordIs = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ? AND password_hash = ?');
  const sessionExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sessions WHERE id = ?');
  const expiryByHash = db.prepare<[Buffer], { expiresAt: number }>(
    'SELECT expires_at AS expiresAt FROM session_tokens WHERE token_hash = ?',
  );
  const tokenOf = db.prepare<[Buffer, string], { id: number }>('SELECT id FROM session_tokens WHERE token_hash = ? AND session_id = ?');
  // A token's id is above every id in the table when it is inserted, so within a session the
  // highest id is the newest token.
  const newerThan = db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM session_tokens WHERE session_id = ? AND id > ?');
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
  // The sessions whose tokens a batch deleted are the only ones it can leave without tokens: they
  // are checked by id, so a sweep never scans the live sessions (a million of them cost a full
  // table scan per batch before). One left behind by a crash between the two ends with ends_at.
  const deleteExpiredTokens = db.prepare<[number, number], { sessionId: string }>(
    'DELETE FROM session_tokens WHERE id IN (SELECT id FROM session_tokens WHERE expires_at <= ? LIMIT ?) RETURNING session_id AS sessionId',
  );
  const deleteIfTokenless = db.prepare<[string, string]>(
    'DELETE FROM sessions WHERE id = ? AND NOT EXISTS (SELECT 1 FROM session_tokens WHERE session_id = ?)',
  );
  const deleteEndedSessions = db.prepare<[number, number]>(
    'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ends_at <= ? LIMIT ?)',
  );
  const deleteExpired = db.transaction((now: number, limit: number) => {
    const tokens = deleteExpiredTokens.all(now, limit);
    let deleted = tokens.length;
    for (const id of new Set(tokens.map((row) => row.sessionId))) deleted += deleteIfTokenless.run(id, id).changes;
    return deleted + deleteEndedSessions.run(now, limit).changes;
  });

  const begin = db.transaction((session: StoredSession, token: NewToken, cap: number, passwordHash: string) => {
    if (!passwordIs.get(session.userId, passwordHash)) return false;
    endOldest.run(session.userId, Math.max(0, cap - 1), session.userId);
    insertSession.run(session);
    insertToken.run({ ...token, sessionId: session.id });
    return true;
  });
  const rotate = db.transaction((sessionId: string, predecessorHash: Buffer, successor: NewToken) => {
    if (!sessionExists.get(sessionId)) return undefined;
    const predecessor = tokenOf.get(predecessorHash, sessionId);
    // Only the newest token mints and prunes. One found older was refreshed already; one gone was
    // pruned by a refresh of its successor: pruning for it now would drop the newer tokens.
    if (predecessor && !newerThan.get(sessionId, predecessor.id)) {
      insertToken.run({ ...successor, sessionId });
      keepTwo.run(sessionId, successor.tokenHash, predecessorHash);
    }
    return { successor: expiryByHash.get(successor.tokenHash) };
  });

  return {
    begin: (session, token, cap, passwordHash) => begin.immediate(session, token, cap, passwordHash),
    findLive: (tokenHash, now) => {
      const row = findLive.get(tokenHash, now, now);
      if (!row) return undefined;
      const { expiresAt, rotationSalt, passwordHash, ...session } = row;
      return { session, expiresAt, rotationSalt, passwordHash };
    },
    rotate: (sessionId, predecessorHash, successor) => rotate.immediate(sessionId, predecessorHash, successor),
    touch: (sessionId, now, resolutionMs) => void touch.run(now, sessionId, now - resolutionMs),
    listLive: (userId, now) => listLive.all(userId, now, now),
    end: (userId, sessionId) => end.run(userId, sessionId).changes > 0,
    endAllBut: (userId, keep) => endAllBut.run(userId, keep ?? '').changes,
    deleteExpired: (now, limit) => deleteExpired(now, limit),
  };
}
