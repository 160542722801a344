// Accounts: failed sign-ins on one name lock it for the client that made them, never telling
// whether the name has an account, and a successful sign-in forgets them.

import { randomName, randomPassword } from '../../context.js';
import type { Contract } from '../../contract.js';
import { expectError, expectLocked, expectOk, statusName } from '../../expect.js';
import { CheckFailed } from '../../http.js';
import { signInAttempts } from '../../lockout.js';
import { login, register } from '../../requests.js';
import { type Check, Skipped } from '../../runner.js';

/** The most failed sign-ins on one name the lockout check spends to see it locked. */
const MAX_FAILURES = 50;

export function lockoutChecks(contract: Contract): Check[] {
  return [
    {
      id: 'accounts.lockout',
      rules: ['RATE-2'],
      title: `failed sign-ins on one name lock it for this client with ${statusName(contract, 429)} and Retry-After (the right password too) while other names stay open; a name nobody has locks after as many; a successful sign-in forgets them`,
      async run(ctx) {
        const attempt = signInAttempts();
        const signIn = (name: string, password: string, label: string) => attempt(label, () => login(ctx, { name, password }, label));
        const name = randomName('CfLock');
        const password = randomPassword();
        expectOk(await register(ctx, { name, password }, `register "${name}"`));
        let allowed = 0;
        let ex = await signIn(name, `wrong-${allowed}`, `failed sign-in 1 on "${name}"`);
        while (ex.status !== 429) {
          expectError(ex, 401, contract);
          allowed++;
          if (allowed >= MAX_FAILURES) {
            throw new Skipped(
              `${allowed} failed sign-ins on one name all answered 401: the server locks no name within what this check spends (reference server: AZUMA_LOGIN_FAILURES_PER_CLIENT, 10 by default)`,
            );
          }
          ex = await signIn(name, `wrong-${allowed}`, `failed sign-in ${allowed + 1} on "${name}"`);
        }
        expectLocked(ex, contract);
        if (allowed === 0) throw new CheckFailed(`${ex.label} answered 429: a fresh name must allow at least one attempt`);
        // A lock that let the right password through would tell a guesser when it guessed right.
        expectLocked(await signIn(name, password, `the right password for "${name}", locked after ${allowed} failures`), contract);

        // A name nobody has: open to this client while the other is locked, and locked after as many failures.
        const nobody = randomName('CfNobody');
        for (let i = 1; i <= allowed; i++) {
          const unknown = await signIn(nobody, `wrong-${i}`, `failed sign-in ${i} on "${nobody}", a name nobody has`);
          if (unknown.status === 429) {
            throw new CheckFailed(
              `${unknown.label} answered 429, but "${name}", which an account has, allowed ${allowed} failures: the difference tells which names exist`,
            );
          }
          expectError(unknown, 401, contract);
        }
        const over = await signIn(nobody, `wrong-${allowed + 1}`, `failed sign-in ${allowed + 1} on "${nobody}", a name nobody has`);
        if (over.status !== 429) {
          throw new CheckFailed(
            `${over.label} answered ${over.status}, but "${name}", which an account has, was locked after ${allowed} failures: the difference tells which names exist`,
          );
        }
        expectLocked(over, contract);

        // A successful sign-in starts the count over: twice the failures, a success between them, stay 401.
        const fresh = randomName('CfForget');
        expectOk(await register(ctx, { name: fresh, password }, `register "${fresh}"`));
        for (const round of [1, 2]) {
          for (let i = 1; i < allowed; i++) {
            expectError(await signIn(fresh, `wrong-${round}-${i}`, `failed sign-in ${i} of round ${round} on "${fresh}"`), 401, contract);
          }
          expectOk(await signIn(fresh, password, `the right password for "${fresh}" after ${allowed - 1} failures (round ${round})`));
        }
      },
    },
  ];
}
