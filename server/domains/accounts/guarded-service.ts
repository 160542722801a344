import { nameKey } from '@azuma/contract/names';
import type { PasswordScreen } from './common-passwords.js';
import type { LoginAttempt, LoginThrottle } from './login-throttle.js';
import type { ProfileChanges, User } from './repository.js';
import type { AccountService, PasswordChange, Registration, SignedIn } from './service.js';

/**
 * The accounts as clients reach them: every password check throttled per account, every new
 * password screened. `client` is the request's address: failures are counted against it.
 */
export interface GuardedAccountService {
  /** As AccountService.register; a common password throws CommonPasswordError. `client` is undefined for accounts the server makes itself. */
  register(name: string, password: string, userAgent: string | undefined, client: string | undefined): Promise<Registration>;
  /** As AccountService.login; throws LoginLockedError while the name is locked for this client. */
  login(name: string, password: string, userAgent: string | undefined, client: string): Promise<SignedIn | undefined>;
  /**
   * As AccountService.changePassword; screened like register, throttled like login (on the user's
   * name). Only a wrong current password counts as a failed sign-in.
   */
  changePassword(
    userId: string,
    current: string,
    next: string,
    userAgent: string | undefined,
    client: string,
    verifiedHash?: string,
  ): Promise<PasswordChange>;
  updateProfile(userId: string, changes: ProfileChanges): Promise<User | undefined>;
  find(userId: string): Promise<User | undefined>;
}

/**
 * Settles a throttled attempt by what the password check found (`right` says whether the password
 * was right); a check that threw checked nothing.
 */
async function settled<T>(attempt: LoginAttempt, check: () => Promise<T>, right: (result: T) => boolean): Promise<T> {
  let result: T;
  try {
    result = await check();
  } catch (error) {
    await attempt.withdrawn();
    throw error;
  }
  if (right(result)) await attempt.succeeded();
  return result;
}

const signedIn = (result: SignedIn | undefined) => result !== undefined;
// A change superseded by another one had the right current password: it guessed nothing.
const passwordWasRight = (change: PasswordChange) => change.outcome !== 'wrong';

export function guardedAccounts(accounts: AccountService, throttle: LoginThrottle, screen: PasswordScreen): GuardedAccountService {
  return {
    async register(name, password, userAgent, client) {
      // Before the name is looked at: a refused password says nothing about which names are taken.
      screen.check(password, 'body/password');
      const registration = await accounts.register(name, password, userAgent);
      if (registration.outcome === 'registered' && client !== undefined) await throttle.signedIn(nameKey(name), client);
      return registration;
    },

    // The key is the name's identity key whether or not an account has it: names nobody has are
    // counted and locked exactly like real ones, and cost the same (no lookup decides anything here).
    login: async (name, password, userAgent, client) =>
      settled(await throttle.begin(nameKey(name), client), () => accounts.login(name, password, userAgent), signedIn),

    async changePassword(userId, current, next, userAgent, client, verifiedHash) {
      // Screened first: a refused new password costs no hash and is no guess at the current one.
      screen.check(next, 'body/newPassword');
      const user = await accounts.find(userId);
      if (!user) return { outcome: 'wrong' };
      // A stolen session guessing the current password spends the same budget as logins do.
      return settled(
        await throttle.begin(nameKey(user.name), client),
        () => accounts.changePassword(userId, current, next, userAgent, verifiedHash),
        passwordWasRight,
      );
    },

    updateProfile: (userId, changes) => accounts.updateProfile(userId, changes),
    find: (userId) => accounts.find(userId),
  };
}
