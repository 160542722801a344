// Accounts: the round trip register → login → me, and the session cookie both of them set.

import { expectConforms, expectField, expectOk, expectUser } from '../../expect.js';
import { CheckFailed } from '../../http.js';
import { getMe, login, type Session, type User } from '../../requests.js';
import type { Check } from '../../runner.js';
import { expectSessionCookie } from '../../session-tokens.js';

export function signUpChecks(): Check[] {
  return [
    {
      id: 'accounts.round-trip',
      rules: ['ACCOUNT-1', 'AUTH-6', 'WIRE-2'],
      title: 'register → login → me: the same user, the name as registered, icon and status null',
      async run(ctx) {
        const account = await ctx.account('main');
        expectConforms(account.registered);
        if (Date.parse(account.session.expiration) <= account.issuedAt) {
          throw new CheckFailed(`register answered a session that already expired (${account.session.expiration})`);
        }
        const loggedIn = await login(ctx, account, 'log in to the account just registered');
        const session = expectOk<Session>(loggedIn);
        expectUser(loggedIn, 'userid', session.userid, account.session.userid);
        if (session.token === account.session.token)
          throw new CheckFailed('login answered the same token as register: a new session needs a new token');
        const ex = await getMe(ctx, { header: session.token }, 'the user just logged in');
        const user = expectOk<User>(ex);
        expectUser(ex, '_id', user._id, account.session.userid);
        expectField(ex, 'name', user.name, account.name);
        // A new user has set neither yet.
        expectField(ex, 'icon', user.icon, null);
        expectField(ex, 'status', user.status, null);
      },
    },
    {
      id: 'accounts.session-cookie',
      rules: ['ACCOUNT-2', 'AUTH-7'],
      title: 'register and login set the session cookie to the token they answer, Max-Age matching its expiration',
      async run(ctx) {
        const account = await ctx.account('main');
        const { cookie } = ctx.http.channels;
        expectSessionCookie(account.registered, account.session, cookie);
        const ex = await login(ctx, account, 'log in, for the cookie');
        expectSessionCookie(ex, expectOk<Session>(ex), cookie);
      },
    },
  ];
}
