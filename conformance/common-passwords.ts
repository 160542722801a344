// The passwords the contract refuses as new ones (§Accounts): those that, after NFC normalisation
// and with A–Z lower-cased, equal an entry of the `passwords-common` list of
// @zxcvbn-ts/language-common, at the version the contract names and this package pins. The suite
// needs the list itself so that its generated passwords avoid exactly these.
import { dictionary } from '@zxcvbn-ts/language-common';

const common = new Set(dictionary['passwords-common']);

export function isCommonPassword(password: string): boolean {
  return common.has(password.normalize('NFC').replace(/[A-Z]/g, (c) => c.toLowerCase()));
}
