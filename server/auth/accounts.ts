import type { ProfileChanges, User, UsersRepository } from '../db/users.js';
import { newObjectId } from '../ids.js';
import type { PasswordHasher } from './passwords.js';
import type { IssuedSession, SessionService } from './sessions.js';

/**
 * The case-insensitive identity of a name: `Alice` and `alice` are one account. Upper- then
 * lower-casing approximates Unicode full case folding, which plain lower-casing misses
 * (`STRASSE` ~ `straße`, final `ς` ~ `σ`).
 */
export const nameKey = (name: string) => name.normalize('NFC').toUpperCase().toLowerCase();

export interface SignedIn {
  user: User;
  session: IssuedSession;
}

export interface AccountService {
  /** A new account and its first session; undefined when the name is taken (in any letter case). */
  register(name: string, password: string, userAgent: string | undefined): Promise<SignedIn | undefined>;
  /** A new session; undefined for a wrong password and an unknown name alike. */
  login(name: string, password: string, userAgent: string | undefined): Promise<SignedIn | undefined>;
  /**
   * Replaces the password when `current` is right, ends every session of the user and begins a
   * new one; undefined for a wrong current password.
   */
  changePassword(userId: string, current: string, next: string, userAgent: string | undefined): Promise<SignedIn | undefined>;
  updateProfile(userId: string, changes: ProfileChanges): User | undefined;
  find(userId: string): User | undefined;
}

export function accountService(
  users: UsersRepository,
  passwords: PasswordHasher,
  sessions: SessionService,
  now: () => number,
): AccountService {
  const signIn = (user: User, userAgent: string | undefined): SignedIn => ({ user, session: sessions.begin(user.id, userAgent) });
  // Hashing awaits; a password change may land meanwhile. What was verified against the old hash
  // must not begin a session after the change ended them all: checked in the same tick as begin.
  const unchanged = (user: User) => users.findById(user.id)?.passwordHash === user.passwordHash;
  return {
    async register(name, password, userAgent) {
      const key = nameKey(name);
      // Cheap early answer for a taken name; the unique index below still decides races.
      if (users.findByNameKey(key)) return undefined;
      const passwordHash = await passwords.hash(password);
      const id = newObjectId(now());
      if (!users.insert({ id, name, nameKey: key, passwordHash, createdAt: now() })) return undefined;
      return signIn({ id, name, passwordHash, icon: null, status: null }, userAgent);
    },

    async login(name, password, userAgent) {
      const user = users.findByNameKey(nameKey(name));
      // An unknown name costs one full hash too, so timing does not tell which names exist.
      const ok = user ? await passwords.verify(password, user.passwordHash) : await passwords.verifyDummy(password);
      return user && ok && unchanged(user) ? signIn(user, userAgent) : undefined;
    },

    async changePassword(userId, current, next, userAgent) {
      const user = users.findById(userId);
      if (!user || !(await passwords.verify(current, user.passwordHash))) return undefined;
      const passwordHash = await passwords.hash(next);
      if (!unchanged(user)) return undefined;
      users.setPasswordHash(userId, passwordHash);
      // Whoever else held a session may have known the old password: every session ends.
      sessions.endAllBut(userId, undefined);
      return signIn({ ...user, passwordHash }, userAgent);
    },

    updateProfile: (userId, changes) => users.updateProfile(userId, changes),
    find: (userId) => users.findById(userId),
  };
}
