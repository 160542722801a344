import { prepareName } from '@azuma/contract/names';
import { newObjectId } from '../../platform/ids.js';
import type { IssuedSession, SessionService } from '../sessions/service.js';
import { nameIdentity } from './name-identity.js';
import type { PasswordHasher } from './passwords.js';
import type { ProfileChanges, User, UsersRepository } from './repository.js';

export interface SignedIn {
  user: User;
  session: IssuedSession;
}

/** What a registration came to: an account, a name taken (or too like one taken), or a name the rules refuse. */
export type Registration = { outcome: 'registered'; signedIn: SignedIn } | { outcome: 'taken' } | { outcome: 'refused'; problem: string };

/**
 * What a password change came to: changed, a wrong current password, or superseded: the current
 * password was right, but another change of it landed while this one hashed (and ended this
 * session with the rest). Superseded is no wrong password: nothing was guessed.
 */
export type PasswordChange = { outcome: 'changed'; signedIn: SignedIn } | { outcome: 'wrong' } | { outcome: 'superseded' };

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
   * new one. `verifiedHash` is the password hash the request's session was found live under
   * (the stored one when undefined): `current` is checked against it, and a change since
   * supersedes this one.
   */
  changePassword(
    userId: string,
    current: string,
    next: string,
    userAgent: string | undefined,
    verifiedHash?: string,
  ): Promise<PasswordChange>;
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

    async changePassword(userId, current, next, userAgent, verifiedHash) {
      const stored = await users.findById(userId);
      if (!stored) return { outcome: 'wrong' };
      const user = { ...stored, passwordHash: verifiedHash ?? stored.passwordHash };
      if (!(await passwords.verify(current, user.passwordHash))) return { outcome: 'wrong' };
      const passwordHash = await passwords.hash(next);
      // Compare-and-set: a change that landed while this one hashed wins, and this one is superseded.
      if (!(await users.replacePasswordHash(userId, user.passwordHash, passwordHash))) return { outcome: 'superseded' };
      // Whoever else held a session may have known the old password: every session ends.
      await sessions.endAllBut(userId, undefined);
      const signedIn = await signIn({ ...user, passwordHash }, userAgent);
      // Only a later change, landed since this one's, refuses the session: superseded as well.
      return signedIn ? { outcome: 'changed', signedIn } : { outcome: 'superseded' };
    },

    updateProfile: (userId, changes) => users.updateProfile(userId, changes),
    find: (userId) => users.findById(userId),
  };
}
