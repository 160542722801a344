// Accounts: login failures that never tell whether a name exists, nor crash on a name no account
// can have.

import { randomName } from '../../context.js';
import type { Contract } from '../../contract.js';
import { expectError, expectIndistinguishable, statusName } from '../../expect.js';
import { login } from '../../requests.js';
import type { Check } from '../../runner.js';

export function signInChecks(contract: Contract): Check[] {
  return [
    {
      id: 'accounts.nul-login-name',
      rules: ['ACCOUNT-5'],
      title: `a login name holding U+0000, which no name can, answers ${statusName(contract, 401)} as any unknown name, never a 5xx`,
      async run(ctx) {
        const account = await ctx.account('main');
        for (const [name, what] of [
          [`${account.name.slice(0, 31)}\u0000`, `"${account.name}" with U+0000 after it`],
          ['\u0000', 'U+0000 alone'],
        ] as const) {
          expectError(await login(ctx, { name, password: account.password }, `log in as ${what}`), 401, contract);
        }
      },
    },
    {
      id: 'accounts.wrong-password',
      rules: ['ACCOUNT-5'],
      title: `login with a wrong password answers ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const ex = await login(ctx, { name: account.name, password: `${account.password}-wrong` }, 'a wrong password');
        expectError(ex, 401, contract);
      },
    },
    {
      id: 'accounts.unknown-name',
      rules: ['ACCOUNT-5'],
      title: 'login with an unknown name answers the same 401 as a wrong password (no account enumeration)',
      async run(ctx) {
        const account = await ctx.account('main');
        const unknown = await login(ctx, { name: randomName('nobody'), password: account.password }, 'an unknown name');
        expectError(unknown, 401, contract);
        const wrong = await login(ctx, { name: account.name, password: `${account.password}-wrong` }, 'a wrong password');
        expectError(wrong, 401, contract);
        expectIndistinguishable({ ex: unknown, what: 'an unknown name' }, { ex: wrong, what: 'a wrong password' }, 'names');
      },
    },
  ];
}
