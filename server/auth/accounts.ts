import { prepareName } from '../../contract/names.js';
import type { ProfileChanges, User, UsersRepository } from '../db/store.js';
import { newObjectId } from '../ids.js';
import { nameIdentity } from './name-identity.js';
import type { PasswordHasher } from './passwords.js';
import type { IssuedSession, SessionService } from './sessions.js';

export interface SignedIn {
  user: User;
  session: IssuedSession;
}

/** What a registration came to: an account, a name taken (or too like one taken), or a name the rules refuse. */
export type Registration = { outcome: 'registered'; signedIn: SignedIn } | { outcome: 'taken' } | { outcome: 'refused'; problem: string };

export interface AccountService {
  /**
   * A new account and its first session. The name is kept as sent; it is taken when an account
   * has the same identity key or shares a confusable skeleton with it (see nameIdentity).
   */
  register(name: string, password: string, userAgent: string | undefined): Promise<Registration>;
  /** A new session; undefined for a wrong password and an unknown name alike. The name is compared by its identity key. */
  login(name: string, password: string, userAgent: string | undefined): Promise<SignedIn | undefined>;
  /**
   * Replaces the password when `current` is right, ends every session of the user and begins a
   * new one; undefined for a wrong current password.
   */
  changePassword(userId: string, current: string, next: string, userAgent: string | undefined): Promise<SignedIn | undefined>;
  updateProfile(userId: string, changes: ProfileChanges): Promise<User | undefined>;
  find(userId: string): Promise<User | undefined>;
}

/**
 * Whether a name key is one an account could have, so worth looking up. Login takes any string
 * (only the name to register has a pattern), and JSON can carry U+0000, which PostgreSQL `text`
 * cannot hold: looked up there, it is an error, not a miss. No contract ever let a name hold a
 * control character, so such a key is no account on any engine, answered as any unknown name,
 * after the same dummy hash. Every other string a client sends reaches storage only through a
 * schema that refuses control characters (status, icon, ids) or as a hash (passwords).
 */
const anyAccountCouldHave = (key: string) => !/\p{Cc}/u.test(key);

export function accountService(
  users: UsersRepository,
  passwords: PasswordHasher,
  sessions: SessionService,
  now: () => number,
): AccountService {
  // Hashing awaits; a password change may land meanwhile. What was verified against the old hash
  // must not begin a session after the change ended them all: the session begins only while the
  // stored hash is still the one verified, checked in the same transaction.
  const signIn = async (user: User, userAgent: string | undefined): Promise<SignedIn | undefined> => {
    const session = await sessions.begin(user.id, userAgent, user.passwordHash);
    return session && { user, session };
  };
  return {
    async register(name, password, userAgent) {
      const prepared = prepareName(name);
      if (!prepared.ok) return { outcome: 'refused', problem: prepared.problem };
      const { key, skeleton, writtenSkeleton } = nameIdentity(name);
      const lookup = { nameKey: key, nameSkeleton: skeleton, nameSkeletonWritten: writtenSkeleton };
      // Cheap early answer for a taken name; the insert checks again in its transaction, for races.
      if (await users.nameTaken(lookup)) return { outcome: 'taken' };
      const passwordHash = await passwords.hash(password);
      const id = newObjectId(now());
      if (!(await users.insert({ id, name, ...lookup, passwordHash, createdAt: now() }))) return { outcome: 'taken' };
      const signedIn = await signIn({ id, name, passwordHash, icon: null, status: null }, userAgent);
      // Only a password change between the insert and here can refuse it: the account is someone's now.
      if (!signedIn) return { outcome: 'taken' };
      return { outcome: 'registered', signedIn };
    },

    async login(name, password, userAgent) {
      // By the key alone, even for a name today's rules refuse: accounts registered before keep signing in.
      const key = nameIdentity(name).key;
      const user = anyAccountCouldHave(key) ? await users.findByNameKey(key) : undefined;
      // An unknown name costs one full hash too, so timing does not tell which names exist.
      const ok = user ? await passwords.verify(password, user.passwordHash) : await passwords.verifyDummy(password);
      return user && ok ? signIn(user, userAgent) : undefined;
    },

    async changePassword(userId, current, next, userAgent) {
      const user = await users.findById(userId);
      if (!user || !(await passwords.verify(current, user.passwordHash))) return undefined;
      const passwordHash = await passwords.hash(next);
      // Compare-and-set: a change that landed while this one hashed wins, and this one fails.
      if (!(await users.replacePasswordHash(userId, user.passwordHash, passwordHash))) return undefined;
      // Whoever else held a session may have known the old password: every session ends.
      await sessions.endAllBut(userId, undefined);
      return signIn({ ...user, passwordHash }, userAgent);
    },

    updateProfile: (userId, changes) => users.updateProfile(userId, changes),
    find: (userId) => users.findById(userId),
  };
}
