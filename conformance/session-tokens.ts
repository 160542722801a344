// What the suite reads about a session token from outside: the cookies that carry it, the lifetime
// an answer announces, the successor a response hands out, whether a token still works.
import fc from 'fast-check';
import type { Account, Context } from './context.js';
import type { Contract } from './contract.js';
import { expectError, expectOk, expectUser } from './expect.js';
import { CheckFailed, cookieValue, type Exchange } from './http.js';
import { dateText, setCookiesCame, span, windowText } from './messages.js';
import { by, CHANNELS, type Channel, getMe, type Session, type User } from './requests.js';

/** How far a cookie's Max-Age may be from the lifetime it should announce: clocks and rounding, not design. */
const MAX_AGE_SLACK_SECONDS = 120;

/** A token of the contract's shape that no server issued. */
export function unknownToken(contract: Contract): string {
  return fc.sample(fc.stringMatching(contract.index.session.tokenPattern), 1)[0]!;
}

/** The session cookie values a response sets. */
export function sessionCookies(ex: Exchange, cookieName: string): { line: string; token: string }[] {
  return ex.setCookies.flatMap((line) => {
    const token = cookieValue(line, cookieName);
    return token === undefined ? [] : [{ line, token }];
  });
}

/** Max-Age of a Set-Cookie line, in seconds. */
export function maxAge(line: string): number | undefined {
  const match = /;\s*Max-Age=(\d+)/i.exec(line);
  return match ? Number(match[1]) : undefined;
}

/** Server time of a response: its `Date` header when present and sane, else ours when it arrived. */
export function serverTime(ex: Exchange): number {
  const date = Date.parse(ex.headers.get('date') ?? '');
  return Number.isNaN(date) ? ex.receivedAt : date;
}

/**
 * The token lifetime an answer that began a session announces: its `expiration` minus its `Date`.
 * Fails when that is not ahead, since every lifetime read from it would be nonsense.
 */
export function announcedLifetime(ex: Exchange, session: Session): number {
  const expiresAt = Date.parse(session.expiration);
  if (Number.isNaN(expiresAt)) {
    throw new CheckFailed(
      `${ex.label} answered expiration ${JSON.stringify(session.expiration)}, not a date: the lifetime of its token cannot be read`,
    );
  }
  const lifetimeMs = expiresAt - serverTime(ex);
  if (lifetimeMs <= 0) {
    throw new CheckFailed(
      `${ex.label} answered expiration ${session.expiration}, ${span(-lifetimeMs)} before its own ${dateText(ex)}: a new token must expire after it is issued, so the lifetime this server announces cannot be read`,
    );
  }
  return lifetimeMs;
}

/** Fails unless the response sets the session cookie to `token` with a Max-Age that fits its expiration. */
export function expectSessionCookie(ex: Exchange, session: Session, cookieName: string): void {
  const cookies = sessionCookies(ex, cookieName);
  if (cookies.length !== 1) {
    throw new CheckFailed(
      `${ex.label} set the ${cookieName} cookie ${cookies.length} times, expected once (Set-Cookie ${setCookiesCame(ex)})`,
    );
  }
  const [{ line, token }] = cookies as [{ line: string; token: string }];
  if (token !== session.token) throw new CheckFailed(`${ex.label} set ${cookieName} to a token other than the one in its body`);
  const age = maxAge(line);
  const remaining = (Date.parse(session.expiration) - serverTime(ex)) / 1000;
  if (age === undefined || Math.abs(age - remaining) > MAX_AGE_SLACK_SECONDS) {
    throw new CheckFailed(
      `${ex.label} set ${cookieName} with Max-Age ${String(age)}, but the session expires in ${Math.round(remaining)} s (${session.expiration})`,
    );
  }
}

/** Fails unless a logout by cookie clears the session cookie: one Set-Cookie with an empty value and Max-Age=0. */
export function expectClearedCookie(ex: Exchange, cookie: string): void {
  const cookies = sessionCookies(ex, cookie);
  if (cookies.length !== 1) {
    throw new CheckFailed(
      `${ex.label} set ${cookie} ${cookies.length} times; a logout by cookie must clear it once (empty value, Max-Age=0)`,
    );
  }
  const [{ line, token }] = cookies as [{ line: string; token: string }];
  if (token !== '' || maxAge(line) !== 0) {
    throw new CheckFailed(`${ex.label} answered Set-Cookie ${JSON.stringify(line)}; clearing ${cookie} needs an empty value and Max-Age=0`);
  }
}

/** GET /api/me with `token` on one channel: the request every token check asks with. */
export function me(ctx: Context, channel: Channel, token: string, label: string): Promise<Exchange> {
  return getMe(ctx, by(channel, token), label);
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

/** Fails unless `token` works on `channel` as `account`'s user. */
export async function expectSameUser(ctx: Context, channel: Channel, token: string, account: Account, what: string): Promise<void> {
  const ex = await me(ctx, channel, token, what);
  expectUser(ex, '_id', expectOk<User>(ex)._id, account.session.userid);
}

/** Fails unless `token` is refused with 401 on both channels; `after` says what should have ended it. */
export async function expectRefused(ctx: Context, token: string, what: string, after: string): Promise<void> {
  for (const channel of CHANNELS) {
    const ex = await me(ctx, channel, token, `${what} by ${channel}, ${after}`);
    if (ex.status === 200) throw new CheckFailed(`${what} still works by ${channel} (GET /api/me answered 200) ${after}`);
    expectError(ex, 401, ctx.contract);
  }
}
