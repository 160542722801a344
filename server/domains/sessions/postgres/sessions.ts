import { inOrder, type Sql, type Tx, transaction } from '../../../db/postgres/connect.js';
import { LOCK } from '../../../db/postgres/locks.js';
import type { NewToken, SessionSummary, SessionsRepository, StoredSession } from '../repository.js';

type LiveRow = StoredSession & { expiresAt: number; rotationSalt: Buffer; passwordHash: string };

const insertToken = (tx: Tx, sessionId: string, token: NewToken) => tx`
  INSERT INTO session_tokens (token_hash, session_id, expires_at, rotation_salt)
  VALUES (${token.tokenHash}, ${sessionId}, ${token.expiresAt}, ${token.rotationSalt})
  ON CONFLICT (token_hash) DO NOTHING`;

export function sessionsRepository(sql: Sql): SessionsRepository {
  return {
    begin: (session, token, cap, passwordHash) =>
      transaction(sql, async (tx) => {
        // The user's row stays locked until commit: a password change on any instance waits for
        // this session to exist (and then ends it), or this finds the new hash and begins none.
        // The lock also makes one user's logins take turns, so the cap holds exactly.
        const [verified] = await tx`
          SELECT 1 FROM users WHERE id = ${session.userId} AND password_hash = ${passwordHash} FOR NO KEY UPDATE`;
        if (!verified) return false;
        await inOrder(
          tx`
            DELETE FROM sessions WHERE id IN (
              SELECT id FROM sessions WHERE user_id = ${session.userId} ORDER BY created_at DESC, id DESC OFFSET ${Math.max(0, cap - 1)}
            ) AND user_id = ${session.userId}`,
          tx`
            INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at, user_agent)
            VALUES (${session.id}, ${session.userId}, ${session.createdAt}, ${session.lastUsedAt}, ${session.endsAt}, ${session.userAgent})`,
          insertToken(tx, session.id, token),
        );
        return true;
      }),
    async findLive(tokenHash, now) {
      const [row] = await sql<LiveRow[]>`
        SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.ends_at, s.user_agent, t.expires_at, t.rotation_salt, u.password_hash
        FROM session_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
        WHERE t.token_hash = ${tokenHash} AND t.expires_at > ${now} AND s.ends_at > ${now}`;
      if (!row) return undefined;
      const { expiresAt, rotationSalt, passwordHash, ...session } = row;
      return { session, expiresAt, rotationSalt, passwordHash };
    },
    rotate: (sessionId, predecessorHash, successor) =>
      transaction(sql, async (tx) => {
        // Held to commit, the lock makes one session's rotations take turns, each seeing what the
        // one before it committed, and keeps the session from being deleted meanwhile: a logout
        // on another instance either ends it first (and this finds none) or waits for the
        // successor and ends it with the rest.
        const [live] = await tx`SELECT 1 FROM sessions WHERE id = ${sessionId} FOR NO KEY UPDATE`;
        if (!live) return undefined;
        // Only the newest token mints and prunes (ids rise with insertion, and the lock orders a
        // session's inserts). One found older was refreshed already; one gone was pruned by a
        // refresh of its successor: pruning for it now would drop the newer tokens.
        const [newest] = await tx`
          SELECT 1 FROM session_tokens t
          WHERE t.token_hash = ${predecessorHash} AND t.session_id = ${sessionId}
          AND NOT EXISTS (SELECT 1 FROM session_tokens n WHERE n.session_id = ${sessionId} AND n.id > t.id)`;
        if (newest) {
          await inOrder(
            insertToken(tx, sessionId, successor),
            tx`
              DELETE FROM session_tokens
              WHERE session_id = ${sessionId} AND token_hash <> ${successor.tokenHash} AND token_hash <> ${predecessorHash}`,
          );
        }
        const [stored] = await tx<{ expiresAt: number }[]>`
          SELECT expires_at FROM session_tokens WHERE token_hash = ${successor.tokenHash}`;
        return { successor: stored };
      }),
    async touch(sessionId, now, resolutionMs) {
      await sql`UPDATE sessions SET last_used_at = ${now} WHERE id = ${sessionId} AND last_used_at <= ${now - resolutionMs}`;
    },
    listLive: async (userId, now) => [
      ...(await sql<SessionSummary[]>`
        SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.ends_at, s.user_agent, max(t.expires_at) AS expires_at
        FROM sessions s JOIN session_tokens t ON t.session_id = s.id
        WHERE s.user_id = ${userId} AND s.ends_at > ${now} AND t.expires_at > ${now}
        GROUP BY s.id ORDER BY s.created_at DESC, s.id DESC`),
    ],
    end: async (userId, sessionId) => (await sql`DELETE FROM sessions WHERE user_id = ${userId} AND id = ${sessionId}`).count > 0,
    endAllBut: async (userId, keep) => (await sql`DELETE FROM sessions WHERE user_id = ${userId} AND id <> ${keep ?? ''}`).count,
    // One instance sweeps at a time: the others find the lock taken and leave the work to it. Rows
    // a request holds are skipped (they go next time), so the sweep never waits on a request.
    deleteExpired: (now, limit) =>
      transaction(sql, async (tx) => {
        const [lock] = await tx<{ got: boolean }[]>`SELECT pg_try_advisory_xact_lock(${LOCK.sweepSessions}, 0) AS got`;
        if (!lock!.got) return 0;
        // As in SQLite: the sessions a batch's tokens belonged to are the only ones it can leave
        // without tokens, checked by id, so no sweep scans the live sessions.
        const tokens = await tx<{ sessionId: string }[]>`
          DELETE FROM session_tokens WHERE id IN (
            SELECT id FROM session_tokens WHERE expires_at <= ${now} LIMIT ${limit} FOR UPDATE SKIP LOCKED
          ) RETURNING session_id`;
        const emptied = [...new Set(tokens.map((row) => row.sessionId))];
        const tokenless =
          emptied.length === 0
            ? { count: 0 }
            : await tx`
                DELETE FROM sessions s WHERE s.id IN ${tx(emptied)}
                AND NOT EXISTS (SELECT 1 FROM session_tokens t WHERE t.session_id = s.id)`;
        const sessions = await tx`
          DELETE FROM sessions WHERE id IN (
            SELECT id FROM sessions WHERE ends_at <= ${now} LIMIT ${limit} FOR UPDATE SKIP LOCKED
          )`;
        return tokens.count + tokenless.count + sessions.count;
      }),
  };
}
