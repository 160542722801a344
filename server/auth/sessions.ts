import type { SessionsRepository } from '../db/sessions.js';
import { hashToken, newRotationSalt, newToken, successorToken } from './tokens.js';

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

export interface SessionRules {
  /** A session's lifetime (AZUMA_SESSION_TTL). */
  ttlSeconds: number;
  /** The contract's refresh window: a token expiring sooner gets a successor. */
  refreshWindowMs: number;
  /** The contract's token pattern: anything else is refused before hashing or storage. */
  tokenPattern: RegExp;
}

export function sessionService(repo: SessionsRepository, rules: SessionRules, now: () => number): SessionService {
  const ttlMs = rules.ttlSeconds * 1000;
  return {
    issue(userId) {
      const token = newToken();
      const expiresAt = now() + ttlMs;
      repo.insert({ tokenHash: hashToken(token), userId, expiresAt, rotationSalt: newRotationSalt() });
      return { token, expiresAt };
    },
    authenticate(token) {
      // Shape first: a malformed or oversized value never reaches hashing or the database.
      if (!rules.tokenPattern.test(token)) return undefined;
      const at = now();
      const session = repo.findLive(hashToken(token), at);
      if (!session) return undefined;
      if (session.expiresAt - at > rules.refreshWindowMs) return { userId: session.userId };
      const successor = successorToken(token, session.rotationSalt);
      const { expiresAt } = repo.insertOnce({
        tokenHash: hashToken(successor),
        userId: session.userId,
        expiresAt: at + ttlMs,
        rotationSalt: newRotationSalt(),
      });
      return { userId: session.userId, successor: { token: successor, expiresAt } };
    },
  };
}
