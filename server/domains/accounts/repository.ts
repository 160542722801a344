// What the accounts domain needs from storage, whatever engine holds it (see server/db/store.ts
// for what every repository promises): accounts, and the failed sign-ins counted against them.
import type { LockRules } from './attempt-lock.js';

/** An account as the services see it. */
export interface User {
  id: string;
  name: string;
  /** PHC string of the password's scrypt hash. */
  passwordHash: string;
  icon: string | null;
  status: string | null;
}

/** What makes a name one with an account's, or too like it (see name-identity.ts). */
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

/** The accounts domain's repositories, by the name the store gives each. */
export interface AccountRepositories {
  users: UsersRepository;
  loginAttempts: LoginAttemptsRepository;
}
