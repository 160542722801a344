// Token refresh, cross-cutting (every secured operation rotates): whether the server's sessions
// fall inside the contract's refresh window is read from the `expiration` register answers:
// inside it, rotation is checked on both channels; outside it, that no successor is sent (rotation
// itself cannot be seen without waiting, so those checks skip). A token that already lives to its
// session's absolute end gets no successor either, so the rotation checks skip then too.

import type { Account, Context } from '../context.js';
import type { Contract } from '../contract.js';
import { expectError, expectNoHeader, expectOk } from '../expect.js';
import { CheckFailed } from '../http.js';
import { short, windowText } from '../messages.js';
import { insideWindow, windowOf } from '../refresh-window.js';
import { CHANNELS, type Channel, type User } from '../requests.js';
import { type Check, Skipped } from '../runner.js';
import { expectSameUser, me, sessionCookies, successorOf } from '../session-tokens.js';

async function freshSession(ctx: Context, purpose: string): Promise<{ account: Account; token: string }> {
  const account = await ctx.account('main');
  const session = await ctx.login(account, `a fresh session to ${purpose}`);
  return { account, token: session.token };
}

export function refreshChecks(contract: Contract): Check[] {
  const window = windowText(contract.index.session.refreshWindowMs);
  const { header: headerName } = contract.index.session;
  const rotation = (channel: Channel): Check => ({
    id: `refresh.${channel}-channel`,
    rules: ['REFRESH-1', channel === 'cookie' ? 'REFRESH-2' : 'REFRESH-3'],
    title:
      channel === 'cookie'
        ? 'inside the window, cookie auth gets its successor by Set-Cookie (full Max-Age, documented attributes) and it works'
        : `inside the window, header auth gets its successor in the ${headerName} response header and it works`,
    async run(ctx) {
      const { lifetimeMs } = await insideWindow(ctx);
      const { account, token } = await freshSession(ctx, `rotate by ${channel}`);
      const successor = successorOf(ctx, await me(ctx, channel, token, `${channel} auth inside the refresh window`), channel, lifetimeMs);
      if (successor === token) throw new CheckFailed(`the successor by ${channel} is the old token itself`);
      await expectSameUser(ctx, channel, successor, account, `the successor ${short(successor)} by ${channel}`);
    },
  });

  return [
    {
      id: 'refresh.outside-window',
      rules: ['REFRESH-1'],
      title: `outside the ${window} window, responses carry no successor on either channel`,
      async run(ctx) {
        const window = await windowOf(ctx);
        if (window.inside) throw new Skipped(`${window.describe}: every request is inside the refresh window`);
        const { token } = await freshSession(ctx, 'check no rotation happens');
        const { cookie, header } = ctx.http.channels;
        const byCookie = await me(ctx, 'cookie', token, 'cookie auth outside the refresh window');
        expectOk<User>(byCookie);
        if (sessionCookies(byCookie, cookie).length > 0)
          throw new CheckFailed(`${byCookie.label} set ${cookie}, though the session expires in more than ${window}`);
        const byHeader = await me(ctx, 'header', token, 'header auth outside the refresh window');
        expectOk<User>(byHeader);
        expectNoHeader(byHeader, header, `the session expires in more than ${window}`);
      },
    },
    rotation('cookie'),
    rotation('header'),
    {
      id: 'refresh.same-successor',
      rules: ['REFRESH-4'],
      title: 'repeated requests with the old token get the same successor, on both channels',
      async run(ctx) {
        const { lifetimeMs } = await insideWindow(ctx);
        const { token } = await freshSession(ctx, 'repeat rotation');
        const first = successorOf(ctx, await me(ctx, 'header', token, 'header auth, first time'), 'header', lifetimeMs);
        const second = successorOf(ctx, await me(ctx, 'header', token, 'header auth, second time'), 'header', lifetimeMs);
        if (first !== second) {
          throw new CheckFailed(
            `a second request with the same old token got a different successor (${short(first)} then ${short(second)}): a session must have at most one successor`,
          );
        }
        const third = successorOf(ctx, await me(ctx, 'cookie', token, 'cookie auth, third time'), 'cookie', lifetimeMs);
        if (third !== first) {
          throw new CheckFailed(
            `by cookie the same old token got another successor (${short(third)}) than by header (${short(first)}): a session must have at most one successor`,
          );
        }
      },
    },
    {
      id: 'refresh.concurrent-successor',
      rules: ['REFRESH-4'],
      title: 'concurrent requests with the old token agree on one successor',
      async run(ctx) {
        const { lifetimeMs } = await insideWindow(ctx);
        const { token } = await freshSession(ctx, 'rotate concurrently');
        const answers = await Promise.all([1, 2, 3, 4].map((n) => me(ctx, 'header', token, `concurrent header auth #${n}`)));
        const successors = new Set(answers.map((ex) => successorOf(ctx, ex, 'header', lifetimeMs)));
        if (successors.size !== 1) {
          throw new CheckFailed(
            `4 concurrent requests with the same old token got ${successors.size} different successors: ${[...successors].map(short).join(', ')}`,
          );
        }
      },
    },
    {
      id: 'refresh.old-token-valid',
      rules: ['REFRESH-5'],
      title: 'after rotation the old token still works until its own expiration',
      async run(ctx) {
        const { lifetimeMs } = await insideWindow(ctx);
        const { account, token } = await freshSession(ctx, 'use after rotation');
        successorOf(ctx, await me(ctx, 'header', token, 'rotate'), 'header', lifetimeMs);
        await expectSameUser(ctx, 'header', token, account, 'the old token by header, after rotation');
        await expectSameUser(ctx, 'cookie', token, account, 'the old token by cookie, after rotation');
      },
    },
    {
      id: 'refresh.two-newest',
      rules: ['REFRESH-5'],
      title: 'once a successor is refreshed in turn, the token before it is refused: a session keeps its two newest tokens',
      async run(ctx) {
        const { lifetimeMs } = await insideWindow(ctx);
        const { account, token: first } = await freshSession(ctx, 'rotate twice');
        const second = successorOf(ctx, await me(ctx, 'header', first, 'rotate the first token'), 'header', lifetimeMs);
        const third = successorOf(ctx, await me(ctx, 'header', second, 'rotate its successor in turn'), 'header', lifetimeMs);
        for (const channel of CHANNELS) {
          const ex = await me(ctx, channel, first, `the first token by ${channel}, after its successor was refreshed`);
          if (ex.status !== 401) {
            throw new CheckFailed(
              `${ex.label} answered ${ex.status}: after ${short(first)} → ${short(second)} → ${short(third)} the first token must be refused, since a session keeps only its two newest tokens`,
            );
          }
          expectError(ex, 401, ctx.contract);
        }
        await expectSameUser(ctx, 'header', second, account, 'the second token, one of the two newest');
        await expectSameUser(ctx, 'header', third, account, 'the newest token');
      },
    },
  ];
}
