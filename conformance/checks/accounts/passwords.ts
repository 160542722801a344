// Accounts: common passwords refused as new ones, at register and at password change alike.

import { randomName } from '../../context.js';
import type { Contract } from '../../contract.js';
import { expectError, expectOk, statusName } from '../../expect.js';
import { changePassword, login, register, type Session } from '../../requests.js';
import type { Check } from '../../runner.js';

/** Passwords the contract itself names as refused (§Accounts): one of its list, and it with a capital. */
const COMMON_PASSWORDS = ['password1', 'Password1'];

export function passwordChecks(contract: Contract): Check[] {
  return [
    {
      id: 'accounts.common-password',
      rules: ['ACCOUNT-9'],
      title: `register and password change refuse a common new password (${COMMON_PASSWORDS.join(', ')}) with ${statusName(contract, 400)}; the name stays free and the password unchanged`,
      async run(ctx) {
        const name = randomName('CfCommon');
        for (const password of COMMON_PASSWORDS) {
          const ex = await register(ctx, { name, password }, `register "${name}" with the common password "${password}"`);
          expectError(ex, 400, contract);
        }
        // Its own account: were the change accepted, no other check's account would lose its password.
        const account = await ctx.account('common');
        const { token } = await ctx.login(account, 'a session to change the password');
        for (const newPassword of COMMON_PASSWORDS) {
          const ex = await changePassword(ctx, token, account.password, newPassword, `change the password to the common "${newPassword}"`);
          expectError(ex, 400, contract);
        }
        expectOk<Session>(await login(ctx, account, 'log in with the password kept after refused changes'));
        const label = `register "${name}", left free by the refusals, with an uncommon password`;
        expectOk<Session>(await register(ctx, { name, password: `pw-${account.password}` }, label));
      },
    },
  ];
}
