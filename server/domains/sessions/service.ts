import { newObjectId } from '../../platform/ids.js';
import type { SessionSummary, SessionsRepository } from './repository.js';
import { hashToken, newRotationSalt, newToken, successorToken } from './tokens.js';

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

export interface AuthenticatedSession {
  userId: string;
  /** The session (chain of tokens) the token belongs to. */
  sessionId: string;
  /** Set when the token used falls inside the refresh window and a successor outlives it. */
  successor?: IssuedSession;
  /**
   * The user's password hash, read with the token: a password change verifies against the
   * password the session was live under, so one that lands after this request was let in
   * supersedes it rather than making its right password look wrong.
   */
  passwordHash: string;
}

export type { SessionSummary };

export interface SessionService {
  /**
   * A new session for the user, with its first token; ends the user's oldest beyond the cap.
   * Undefined when the user's password is no longer `passwordHash`, the one just verified.
   */
  begin(userId: string, userAgent: string | undefined, passwordHash: string): Promise<IssuedSession | undefined>;
  /** The session a presented token opens, refreshing it when due; undefined when it opens none. */
  authenticate(token: string): Promise<AuthenticatedSession | undefined>;
  /** The user's live sessions, newest first. */
  list(userId: string): Promise<SessionSummary[]>;
  /** Ends one of the user's sessions; false when the user has no such session. */
  end(userId: string, sessionId: string): Promise<boolean>;
  /** Ends every session of the user but `keep` (every one when undefined). */
  endAllBut(userId: string, keep: string | undefined): Promise<number>;
}

export interface SessionRules {
  /** A token's lifetime (AZUMA_SESSION_TTL). */
  ttlSeconds: number;
  /** A session's absolute lifetime from its beginning (AZUMA_SESSION_MAX_AGE). */
  maxAgeSeconds: number;
  /** Live sessions a user may keep (AZUMA_SESSIONS_PER_USER). */
  perUser: number;
  /** The contract's refresh window: a token expiring sooner gets a successor. */
  refreshWindowMs: number;
  /** The contract's token pattern: anything else is refused before hashing or storage. */
  tokenPattern: RegExp;
}

/** `lastUsed` is kept to the minute, so a read is not a write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** What is kept of a User-Agent header. */
const USER_AGENT_LENGTH = 256;

export function sessionService(repo: SessionsRepository, rules: SessionRules, now: () => number): SessionService {
  const ttlMs = rules.ttlSeconds * 1000;
  return {
    async begin(userId, userAgent, passwordHash) {
      const at = now();
      const token = newToken();
      const endsAt = at + rules.maxAgeSeconds * 1000;
      const expiresAt = Math.min(at + ttlMs, endsAt);
      const begun = await repo.begin(
        { id: newObjectId(at), userId, createdAt: at, lastUsedAt: at, endsAt, userAgent: userAgent?.slice(0, USER_AGENT_LENGTH) ?? null },
        { tokenHash: hashToken(token), expiresAt, rotationSalt: newRotationSalt() },
        rules.perUser,
        passwordHash,
      );
      return begun ? { token, expiresAt } : undefined;
    },

    async authenticate(token) {
      // Shape first: a malformed or oversized value never reaches hashing or the database.
      if (!rules.tokenPattern.test(token)) return undefined;
      const at = now();
      const tokenHash = hashToken(token);
      const live = await repo.findLive(tokenHash, at);
      if (!live) return undefined;
      const { session } = live;
      // Most requests come within the minute: they read, and write nothing.
      if (at - session.lastUsedAt >= LAST_USED_RESOLUTION_MS) await repo.touch(session.id, at, LAST_USED_RESOLUTION_MS);
      const authenticated = { userId: session.userId, sessionId: session.id, passwordHash: live.passwordHash };
      if (live.expiresAt - at > rules.refreshWindowMs) return authenticated;
      // A token that already lives to the session's absolute end has no successor: it could not
      // outlive it.
      if (live.expiresAt >= session.endsAt) return authenticated;
      const successorExpiry = Math.min(at + ttlMs, session.endsAt);
      const successor = successorToken(token, live.rotationSalt);
      const stored = await repo.rotate(session.id, tokenHash, {
        tokenHash: hashToken(successor),
        expiresAt: successorExpiry,
        rotationSalt: newRotationSalt(),
      });
      if (!stored) return undefined;
      // Refreshed twice over by concurrent requests: the token's successor is gone too, and the
      // client holds the newer tokens those requests answered.
      if (!stored.successor) return authenticated;
      return { ...authenticated, successor: { token: successor, expiresAt: stored.successor.expiresAt } };
    },

    list: (userId) => repo.listLive(userId, now()),
    end: (userId, sessionId) => repo.end(userId, sessionId),
    endAllBut: (userId, keep) => repo.endAllBut(userId, keep),
  };
}
