import type { SessionsRepository } from '../db/sessions.js';
import { hashToken, newRotationSalt, newToken, successorToken, TOKEN_PATTERN } from './tokens.js';

/** The reference: a token that expires within this window is replaced by a successor. */
export const REFRESH_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

export interface AuthenticatedSession {
  userId: string;
  /** Set when the session used falls inside the refresh window. */
  successor?: IssuedSession;
}

export interface SessionService {
  issue(userId: string): IssuedSession;
  /** The session a presented token opens, refreshing it when due; undefined when it opens none. */
  authenticate(token: string): AuthenticatedSession | undefined;
}

export function sessionService(repo: SessionsRepository, ttlSeconds: number, now: () => number): SessionService {
  const ttlMs = ttlSeconds * 1000;
  return {
    issue(userId) {
      const token = newToken();
      const expiresAt = now() + ttlMs;
      repo.insert({ tokenHash: hashToken(token), userId, expiresAt, rotationSalt: newRotationSalt() });
      return { token, expiresAt };
    },
    authenticate(token) {
      // Shape first: a malformed or oversized value never reaches hashing or the database.
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const at = now();
      const session = repo.findLive(hashToken(token), at);
      if (!session) return undefined;
      if (session.expires_at - at > REFRESH_WINDOW_MS) return { userId: session.user_id };
      const successor = successorToken(token, session.rotation_salt);
      const { expiresAt } = repo.insertOnce({
        tokenHash: hashToken(successor),
        userId: session.user_id,
        expiresAt: at + ttlMs,
        rotationSalt: newRotationSalt(),
      });
      return { userId: session.user_id, successor: { token: successor, expiresAt } };
    },
  };
}
