import type { User, UsersRepository } from '../db/users.js';
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
  register(name: string, password: string): Promise<SignedIn | undefined>;
  /** A new session; undefined for a wrong password and an unknown name alike. */
  login(name: string, password: string): Promise<SignedIn | undefined>;
  find(userId: string): User | undefined;
}

export function accountService(
  users: UsersRepository,
  passwords: PasswordHasher,
  sessions: SessionService,
  now: () => number,
): AccountService {
  const signIn = (user: User): SignedIn => ({ user, session: sessions.issue(user.id) });
  return {
    async register(name, password) {
      const key = nameKey(name);
      // Cheap early answer for a taken name; the unique index below still decides races.
      if (users.findByNameKey(key)) return undefined;
      const passwordHash = await passwords.hash(password);
      const id = newObjectId(now());
      if (!users.insert({ id, name, nameKey: key, passwordHash, createdAt: now() })) return undefined;
      return signIn({ id, name, passwordHash, icon: null, status: null });
    },
    async login(name, password) {
      const user = users.findByNameKey(nameKey(name));
      // An unknown name costs one full hash too, so timing does not tell which names exist.
      const ok = user ? await passwords.verify(password, user.passwordHash) : await passwords.verifyDummy(password);
      return user && ok ? signIn(user) : undefined;
    },
    find: (userId) => users.findById(userId),
  };
}
