// Token refresh. Whether the server's sessions fall inside the contract's refresh window is read from the
// `expiration` register answers: inside it, rotation is checked on both channels; outside it, that
// no successor is sent (rotation itself cannot be seen without waiting, so those checks skip). A
// token that already lives to its session's absolute end gets no successor either, so the rotation
// checks skip then too.
import {
  type Account,
  announcedLifetime,
  type Context,
  expectError,
  expectOk,
  listSessions,
  oid,
  sessionCookies,
  type User,
} from '../context.js';
import type { Contract } from '../contract.js';
import { by, type Channel, CheckFailed, type Exchange } from '../http.js';
import { type Check, Skipped } from '../runner.js';
import { maxAge } from './accounts.js';

const DAY_MS = 24 * 3600 * 1000;
/** Too close to the window's edge to tell which side a request falls on. */
const EDGE_MS = 5 * 60 * 1000;
/** How far a successor's Max-Age may be from a full lifetime: clocks and rounding, not design. */
const MAX_AGE_SLACK_SECONDS = 120;

type Window = { inside: boolean; lifetimeMs: number; describe: string };

/** The contract's refresh window in words: `N days`, or seconds when not whole days. */
export function windowText(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} days` : `${ms / 1000} seconds`;
}

async function windowOf(ctx: Context): Promise<Window> {
  const windowMs = ctx.contract.index.session.refreshWindowMs;
  const account = await ctx.account('main');
  const lifetimeMs = announcedLifetime(account.registered, account.session);
  const days = (lifetimeMs / DAY_MS).toFixed(2);
  const describe = `sessions live ${days} days (register answered expiration ${account.session.expiration})`;
  if (Math.abs(lifetimeMs - windowMs) < EDGE_MS) throw new Skipped(`${describe}, too close to the ${windowText(windowMs)} window to judge`);
  return { inside: lifetimeMs < windowMs, lifetimeMs, describe };
}

/** Per run: why a fresh session never rotates, when its first token already lives to the session's absolute end. */
const noRotation = new WeakMap<Context, Promise<string | undefined>>();

/**
 * The contract gives a token a successor only while the successor would outlive it, so a server
 * whose tokens live as long as its sessions (a short AZUMA_SESSION_MAX_AGE, say) never rotates.
 * A fresh session's `expiration` against its listed `absoluteExpiration` tells; a server that
 * cannot list sessions tells nothing here (the sessions checks report that) and rotation is expected.
 */
export function noRotationReason(ctx: Context): Promise<string | undefined> {
  let reason = noRotation.get(ctx);
  if (!reason) {
    reason = (async () => {
      const session = await ctx.login(await ctx.account('main'), 'a fresh session, to compare its expiration with its absolute end');
      const listed = await listSessions(ctx, { header: session.token }, 'the absolute end of a fresh session').catch((error: unknown) => {
        if (error instanceof CheckFailed) return undefined;
        throw error;
      });
      if (!listed || Date.parse(session.expiration) < Date.parse(listed.current.absoluteExpiration)) return undefined;
      return `a fresh session's first token already lives to the session's absolute end (expiration ${session.expiration}, absoluteExpiration ${listed.current.absoluteExpiration}), so no successor is due; to check rotation, run the server with tokens that live shorter than its sessions (reference server: AZUMA_SESSION_TTL=3600 with AZUMA_SESSION_MAX_AGE at its default)`;
    })();
    noRotation.set(ctx, reason);
  }
  return reason;
}

/** The window, when requests fall inside it and rotation can be seen; skips otherwise, saying how to enable it. */
export async function insideWindow(ctx: Context): Promise<Window> {
  const window = await windowOf(ctx);
  if (!window.inside) {
    throw new Skipped(
      `${window.describe}, outside the ${windowText(ctx.contract.index.session.refreshWindowMs)} refresh window; to check rotation, run the server with a shorter session lifetime (reference server: AZUMA_SESSION_TTL=3600)`,
    );
  }
  const reason = await noRotationReason(ctx);
  if (reason) throw new Skipped(reason);
  return window;
}

/** The start of a token, for messages. */
export const short = (token: string | undefined) => (token ? `${token.slice(0, 8)}…` : String(token));

export function me(ctx: Context, channel: Channel, token: string, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'GET', path: '/api/me', label, auth: by(channel, token) });
}

/** The successor a response carries on `channel`, failing when it comes on the other one or twice. */
export function successorOf(ctx: Context, ex: Exchange, channel: Channel, lifetimeMs: number): string {
  expectOk<User>(ex);
  const { cookie, header } = ctx.http.channels;
  const cookies = sessionCookies(ex, cookie);
  const headerToken = ex.headers.get(header);
  if (channel === 'cookie') {
    if (headerToken !== null)
      throw new CheckFailed(`${ex.label}: the successor came in the ${header} header, but the cookie authenticated the request`);
    if (cookies.length !== 1)
      throw new CheckFailed(`${ex.label}: expected one Set-Cookie for ${cookie} with the successor, got ${cookies.length}`);
    const [{ line, token }] = cookies as [{ line: string; token: string }];
    const age = maxAge(line);
    if (age === undefined || Math.abs(age - lifetimeMs / 1000) > MAX_AGE_SLACK_SECONDS) {
      throw new CheckFailed(
        `${ex.label}: the successor cookie has Max-Age ${String(age)}, expected a full lifetime of ${Math.round(lifetimeMs / 1000)} s`,
      );
    }
    return token;
  }
  if (cookies.length > 0)
    throw new CheckFailed(`${ex.label}: the successor came in Set-Cookie, but the ${header} header authenticated the request`);
  if (headerToken === null)
    throw new CheckFailed(
      `${ex.label}: no ${header} response header, though the session expires within ${windowText(ctx.contract.index.session.refreshWindowMs)}`,
    );
  return headerToken;
}

async function freshSession(ctx: Context, purpose: string): Promise<{ account: Account; token: string }> {
  const account = await ctx.account('main');
  const session = await ctx.login(account, `a fresh session to ${purpose}`);
  return { account, token: session.token };
}

/** Fails unless `token` works on `channel` as `account`'s user. */
export async function expectSameUser(ctx: Context, channel: Channel, token: string, account: Account, what: string) {
  const user = expectOk<User>(await me(ctx, channel, token, what));
  if (oid(user._id) !== oid(account.session.userid)) throw new CheckFailed(`GET /api/me (${what}) answered another user, ${oid(user._id)}`);
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
        if (byHeader.headers.has(header))
          throw new CheckFailed(`${byHeader.label} sent ${header}, though the session expires in more than ${window}`);
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
        for (const channel of ['header', 'cookie'] as const) {
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
