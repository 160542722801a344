import { dictionary } from '@zxcvbn-ts/language-common';
import { CommonPasswordError } from './errors.js';

/**
 * The form a password is compared in: NFC (as it is hashed), then A–Z lower-cased and nothing
 * else, exactly as the contract states. The list is lower-case ASCII, so `Password1` is
 * `password1`, while a password with any other letter can never match.
 */
export const screeningForm = (password: string) => password.normalize('NFC').replace(/[A-Z]/g, (c) => c.toLowerCase());

export interface PasswordScreen {
  /** Throws CommonPasswordError, naming `field`, when the password is on the list. */
  check(password: string, field: string): void;
}

/**
 * NIST SP 800-63B's blocklist check: a new password is refused when it is, as a whole, one of the
 * passwords that leaks show people use most (the `passwords-common` list of
 * @zxcvbn-ts/language-common, 49,233 of them). A whole-password match, not a strength score: it
 * refuses exactly what the contract can name, so a user, a client and the conformance suite all
 * know in advance which passwords are refused, and a long passphrase is never refused for how it
 * looks.
 */
export function passwordScreen(list: readonly string[] = dictionary['passwords-common']): PasswordScreen {
  const common = new Set(list);
  return {
    check(password, field) {
      if (common.has(screeningForm(password))) {
        throw new CommonPasswordError(
          `${field} is too common: it is on a list of the passwords leaks show people use most; choose another`,
        );
      }
    },
  };
}
