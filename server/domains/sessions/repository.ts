// What the sessions domain needs from storage, whatever engine holds it (see server/db/store.ts
// for what every repository promises).

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
  /** The user's password hash as the token was found live: what a password change verifies. */
  passwordHash: string;
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
  /**
   * Stores a new session with its first token, but only while the user's password hash is still
   * `passwordHash` (what was verified); first ends the user's oldest sessions so that at most
   * `cap` stay live. False when the password changed meanwhile: a session begun on the old
   * password would outlive the change that ended them all.
   */
  begin(session: StoredSession, token: NewToken, cap: number, passwordHash: string): Promise<boolean>;
  /** The live token with this hash, in a live session, if any. */
  findLive(tokenHash: Buffer, now: number): Promise<LiveToken | undefined>;
  /**
   * Refreshes `predecessorHash` to `successor`, atomically. Only the session's newest token mints:
   * its successor is added and every token but the two is dropped. An older token's successor
   * exists already (it is the token after it, derived from it), so nothing changes: a token has
   * one successor however often and however concurrently it is refreshed, a session keeps two
   * tokens however fast it rotates, and a refresh that lost a race to a newer one never prunes
   * the newest token. Answers the successor's expiry, `successor` undefined when it was itself
   * refreshed and dropped meanwhile; undefined when the session ended meanwhile, also when it ends
   * concurrently on another server.
   */
  rotate(
    sessionId: string,
    predecessorHash: Buffer,
    successor: NewToken,
  ): Promise<{ successor: { expiresAt: number } | undefined } | undefined>;
  /** Records a use, at most once per `resolutionMs`. */
  touch(sessionId: string, now: number, resolutionMs: number): Promise<void>;
  /** The user's live sessions, newest first. */
  listLive(userId: string, now: number): Promise<SessionSummary[]>;
  /** Ends one session of the user; false when the user has no such session. */
  end(userId: string, sessionId: string): Promise<boolean>;
  /** Ends every session of the user but `keep` (all of them when undefined); returns how many. */
  endAllBut(userId: string, keep: string | undefined): Promise<number>;
  /** Deletes expired tokens, and sessions past their end or left without tokens, at most `limit` rows each; returns how many went. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** The sessions domain's repositories, by the name the store gives each. */
export interface SessionRepositories {
  sessions: SessionsRepository;
}
