// Sessions: logout by either channel ends the whole session, every token of it.

import type { Contract } from '../../contract.js';
import { expectError, expectOk, statusName } from '../../expect.js';
import { short } from '../../messages.js';
import { insideWindow } from '../../refresh-window.js';
import { by, CHANNELS, logout } from '../../requests.js';
import type { Check } from '../../runner.js';
import { expectClearedCookie, expectRefused } from '../../session-tokens.js';
import { rotated } from './support.js';

export function logoutChecks(contract: Contract): Check[] {
  return [
    {
      id: 'sessions.logout',
      rules: ['SESSION-2'],
      title: `POST /api/logout answers 204 by header and by cookie (clearing the cookie); the token is then refused on both channels, and a second logout is ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('logout');
        for (const channel of CHANNELS) {
          const { token } = await ctx.login(account, `a session to log out by ${channel}`);
          const ex = await logout(ctx, by(channel, token), `log out by ${channel}`);
          expectOk(ex, 204);
          if (channel === 'cookie') expectClearedCookie(ex, ctx.http.channels.cookie);
          await expectRefused(ctx, token, `the token ${short(token)}`, `after POST /api/logout with it by ${channel} answered 204`);
          expectError(await logout(ctx, by(channel, token), `log out by ${channel} again, with the same token`), 401, contract);
        }
      },
    },
    {
      id: 'sessions.logout-ends-chain',
      rules: ['SESSION-2'],
      title: 'logging out with a token ends its whole session: its successor, and with the successor its predecessor, are refused too',
      async run(ctx) {
        const { lifetimeMs } = await insideWindow(ctx);
        const account = await ctx.account('logout');
        const first = await rotated(ctx, account, lifetimeMs, 'log out with the old token');
        expectOk(await logout(ctx, { header: first.old }, `log out with the old token ${short(first.old)}`), 204);
        await expectRefused(
          ctx,
          first.successor,
          `its successor ${short(first.successor)}`,
          `after logging out with its predecessor ${short(first.old)}: logout ends every token of the session`,
        );
        const second = await rotated(ctx, account, lifetimeMs, 'log out with the successor');
        expectOk(await logout(ctx, { header: second.successor }, `log out with the successor ${short(second.successor)}`), 204);
        await expectRefused(
          ctx,
          second.old,
          `its predecessor ${short(second.old)}`,
          `after logging out with its successor ${short(second.successor)}: logout ends every token of the session`,
        );
      },
    },
  ];
}
