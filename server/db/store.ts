import type { LockRules } from '../domains/accounts/attempt-lock.js';

// What the services need from storage, whatever engine holds it. Every method is asynchronous,
// so an engine across the network (PostgreSQL) fits as well as one in the process (SQLite); each
// method is one atomic step, enforced by the database rather than by this process's memory, so
// several server processes sharing one database keep the same rules.

/** Says something the operator should know, with fields for the log line. */
export type Warn = (message: string, details: Record<string, unknown>) => void;

/** An account as the services see it. */
export interface User {
  id: string;
  name: string;
  /** PHC string of the password's scrypt hash. */
  passwordHash: string;
  icon: string | null;
  status: string | null;
}

/** What makes a name one with an account's, or too like it (see server/auth/name-identity.ts). */
export interface NameLookup {
  /** The identity two names share when they are one account. */
  nameKey: string;
  /** The key's confusable skeleton. */
  nameSkeleton: string;
  /** The confusable skeleton of the name as written, letter case set aside. */
  nameSkeletonWritten: string;
}

export interface NewUser extends NameLookup {
  id: string;
  name: string;
  passwordHash: string;
  createdAt: number;
}

/** Profile fields to change; a field left out keeps its value. */
export interface ProfileChanges {
  icon?: string | null;
  status?: string | null;
}

export interface UsersRepository {
  /**
   * Inserts the user; false when the name is taken (see nameTaken). Of concurrent inserts of
   * names that collide, on any number of servers, exactly one succeeds.
   */
  insert(user: NewUser): Promise<boolean>;
  /** Whether an account has this name key, or either of its skeletons equals one of this name's. */
  nameTaken(name: NameLookup): Promise<boolean>;
  /** Replaces the hash only while it is still `current`; false when it changed meanwhile (or the user is gone). */
  replacePasswordHash(id: string, current: string, next: string): Promise<boolean>;
  /** Applies the changes and returns the user as stored now. */
  updateProfile(id: string, changes: ProfileChanges): Promise<User | undefined>;
  /** The oldest account with this key: accounts registered under older rules may share one. */
  findByNameKey(nameKey: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
}

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

/** The failures counted in one live window. */
export interface FailureCount {
  failures: number;
  /** ms since epoch: the count starts over after it. */
  windowEndsAt: number;
}

/** What an attempt's lock decision reads, all in the attempt's transaction. */
export interface AttemptState {
  /** The live window of this account and client. */
  own: FailureCount | undefined;
  /** The live window of the account as a whole. */
  all: FailureCount | undefined;
  /** When this client last signed in to the account, if it ever did. */
  lastSignIn: number | undefined;
}

/**
 * Storage for per-account brute-force protection: failure counts per (account, client) and the
 * clients that signed in to an account. Accounts are opaque keys (a hash of the name's identity
 * key). In the database, not in process memory, so that servers sharing one database share one
 * budget per account.
 */
export interface LoginAttemptsRepository {
  /**
   * One attempt, atomically: reads the state, applies `lockEnd` (attempt-lock.ts) with `rules`, and when it finds no lock counts
   * a failure for the client and for the account as a whole (in windows ending at `windowEndsAt`
   * when none is live). Resolves to the lock's end, or undefined when the attempt was counted.
   * Concurrent attempts on one account, from any server, are counted one after another.
   */
  begin(account: Buffer, client: string, now: number, windowEndsAt: number, rules: LockRules): Promise<number | undefined>;
  /** The password was right: the client's failures are forgotten, one of the account's taken back, and the sign-in recorded (the `keep` latest clients kept). */
  succeeded(account: Buffer, client: string, now: number, keep: number): Promise<void>;
  /** No password was checked: the attempt's two failures are taken back. */
  withdrawn(account: Buffer, client: string, now: number): Promise<void>;
  /** Records a sign-in from `client`, keeping only the `keep` latest clients of the account. */
  recordSignIn(account: Buffer, client: string, at: number, keep: number): Promise<void>;
  /**
   * Deletes ended windows and sign-ins older than `signedInBefore`, at most `limit` rows each, then
   * failure rows beyond `maxFailureRows`, those whose windows end first; returns how many went.
   */
  deleteExpired(now: number, signedInBefore: number, limit: number, maxFailureRows: number): Promise<number>;
  /** Rows held, for the bound's tests and operators' curiosity. */
  size(): Promise<{ failures: number; clients: number }>;
}

/** One database, opened and migrated: the repositories over it. */
export interface Store {
  /** Which engine, for logs and health answers. */
  readonly engine: 'sqlite' | 'postgres';
  users: UsersRepository;
  sessions: SessionsRepository;
  loginAttempts: LoginAttemptsRepository;
  /** Resolves when the database answers a trivial query; rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The database cannot be reached just now (down, restarting, or the network between): the
 * request may succeed once it is back, so the server answers 503 rather than 500.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
