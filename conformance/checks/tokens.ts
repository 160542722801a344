// Token expiry, seen from outside; cross-cutting, since every secured operation refuses an expired
// token. The `expiration` an answer that begins a session gives must lie after the answer's own
// `Date` and agree with the lifetime its session cookie announces; once it
// has passed, the token is refused on both channels, and so is the successor it took before it
// expired, once that one's own expiration has passed too. Seeing expiry takes a wait: the suite
// waits only for short lifetimes and otherwise skips, saying which setting makes them short.

import { type Account, type Context, randomPassword } from '../context.js';
import type { Contract } from '../contract.js';
import { expectError, expectOk, expectUser } from '../expect.js';
import { CheckFailed, type Exchange, isRecord } from '../http.js';
import { dateText, short, span, summarise } from '../messages.js';
import { noRotationReason } from '../refresh-window.js';
import { CHANNELS, changePassword, type Session, type User } from '../requests.js';
import { type Check, Skipped } from '../runner.js';
import { announcedLifetime, maxAge, me, serverTime, sessionCookies, successorOf } from '../session-tokens.js';

/** The longest token lifetime the suite waits out to see tokens expire. */
const EXPIRY_WAIT_LIMIT_MS = 120_000;
/** How long past its expiration a token may still be served: clock reads and rounding, not design. */
const EXPIRY_GRACE_MS = 2_000;
/** The successor is taken halfway through the first token's life, so it outlives that token by as much. */
const ROTATE_AT_MOST_MS = 10_000;
/**
 * How far `expiration` may be from the answer's `Date` plus its cookie's `Max-Age`: both are whole
 * seconds, and a server reads its clock more than once while answering.
 */
const EXPIRATION_SLACK_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (ms: number) => new Date(ms).toISOString();

/** A token the check waits out, and what its answers tell about when it expires. */
interface Issued {
  what: string;
  token: string;
  /** When it expires, as announced. */
  expiresAt: number;
  /** Bounds of the true moment, when the announcement is in whole seconds. */
  earliest: number;
  latest: number;
}

/**
 * The server's clock as the `Date` of its answers shows it. `Date` is whole seconds and written
 * before the answer reached the suite, so the estimate never runs ahead of the server: once it
 * passes a moment, the server is past that moment too.
 */
function serverClock() {
  let offset = Number.NEGATIVE_INFINITY;
  return {
    /** Call right after an exchange. */
    observe(ex: Exchange) {
      offset = Math.max(offset, serverTime(ex) - Date.now());
    },
    now: () => Date.now() + offset,
    async until(moment: number) {
      const wait = moment - (Date.now() + offset);
      if (wait > 0) await sleep(wait);
    },
  };
}
type ServerClock = ReturnType<typeof serverClock>;

/** Where a response hands out a token of the session: the session header, or a cookie with a value. */
function handedOut(ctx: Context, ex: Exchange): string | undefined {
  const { cookie, header } = ctx.http.channels;
  const inHeader = ex.headers.get(header);
  if (inHeader !== null) return `the ${header} header (${short(inHeader)})`;
  const set = sessionCookies(ex, cookie).find((c) => c.token !== '');
  return set ? `Set-Cookie ${JSON.stringify(set.line)}` : undefined;
}

/** Fails unless `issued`, past its expiration, is refused with 401 on both channels and no successor comes back. */
async function expectExpired(ctx: Context, clock: ServerClock, issued: Issued): Promise<void> {
  for (const channel of CHANNELS) {
    const ex = await me(ctx, channel, issued.token, `${issued.what} by ${channel}, after its expiration`);
    clock.observe(ex);
    if (ex.status === 200) {
      throw new CheckFailed(
        `${issued.what} still works by ${channel} (GET /api/me answered 200 with ${dateText(ex)}), ${span(serverTime(ex) - issued.expiresAt)} after its expiration ${iso(issued.expiresAt)}: an expired token is refused`,
      );
    }
    expectError(ex, 401, ctx.contract);
    const token = handedOut(ctx, ex);
    if (token)
      throw new CheckFailed(`${ex.label} refused ${issued.what} but handed out a token in ${token}: an expired token gets no successor`);
  }
}

/** The token register answered, and its successor taken halfway through its life (unless none is due). */
async function firstAndSuccessor(ctx: Context, clock: ServerClock, lifetimeMs: number, account: Account) {
  const expiresAt = Date.parse(account.session.expiration);
  const first: Issued = {
    what: `the first token ${short(account.session.token)}`,
    token: account.session.token,
    expiresAt,
    earliest: expiresAt,
    latest: expiresAt,
  };
  if (await noRotationReason(ctx)) return { first };
  await clock.until(account.issuedAt + Math.min(lifetimeMs / 2, ROTATE_AT_MOST_MS));
  const ex = await me(ctx, 'cookie', first.token, `rotate ${short(first.token)} before it expires`);
  clock.observe(ex);
  const token = successorOf(ctx, ex, 'cookie', lifetimeMs);
  // successorOf saw one session cookie with a Max-Age. Date and Max-Age are whole seconds, so the
  // successor expires within a second before, or two after, Date + Max-Age.
  const age = (maxAge(sessionCookies(ex, ctx.http.channels.cookie)[0]!.line) ?? 0) * 1000;
  const issuedAt = serverTime(ex);
  const successor: Issued = {
    what: `its successor ${short(token)}`,
    token,
    expiresAt: issuedAt + age,
    earliest: issuedAt + age - 1000,
    latest: issuedAt + age + 2000,
  };
  return { first, successor };
}

/** What is wrong with the `expiration` of an answer that began a session, if anything. */
function expirationProblem(ex: Exchange, cookieName: string): string | undefined {
  const { token, expiration } = ex.json as Session;
  const expiresAt = Date.parse(expiration);
  if (Number.isNaN(expiresAt)) return `${ex.label} answered expiration ${JSON.stringify(expiration)}, not a date`;
  const issuedAt = serverTime(ex);
  if (expiresAt <= issuedAt) {
    return `${ex.label} answered expiration ${expiration}, ${span(issuedAt - expiresAt)} before its own ${dateText(ex)}: the new token was born expired`;
  }
  const line = sessionCookies(ex, cookieName).find((c) => c.token === token)?.line;
  const age = line === undefined ? undefined : maxAge(line);
  if (age === undefined) {
    return `${ex.label} set no ${cookieName} cookie with its token and a Max-Age (Set-Cookie: ${JSON.stringify(ex.setCookies)}), so the lifetime it announces cannot be compared with expiration ${expiration}`;
  }
  const announced = issuedAt + age * 1000;
  const gap = expiresAt - announced;
  if (Math.abs(gap) <= EXPIRATION_SLACK_MS) return undefined;
  return `${ex.label} answered expiration ${expiration}, ${span(Math.abs(gap))} ${gap > 0 ? 'after' : 'before'} its ${dateText(ex)} plus its cookie's Max-Age=${age} (${iso(announced)}): both announce the token's lifetime and must agree`;
}

export function tokenChecks(contract: Contract): Check[] {
  const { cookie } = contract.index.session;
  return [
    {
      id: 'tokens.expiration',
      rules: ['AUTH-7'],
      title: `every answer of this run that began a session (register, login, password change) gave an expiration after its own Date, within ${EXPIRATION_SLACK_MS / 1000} s of Date plus its ${cookie} cookie's Max-Age`,
      async run(ctx) {
        // Its own answers of each kind, so the check sees all three even when run alone.
        const account = await ctx.account('expiration');
        const { token } = await ctx.login(account, 'a login, for the expiration it answers');
        const next = randomPassword();
        expectOk<Session>(await changePassword(ctx, token, account.password, next, 'a password change, for the expiration it answers'));
        account.password = next;
        const began = ctx.http.exchanges.filter(
          (ex) => ex.status === 200 && isRecord(ex.json) && typeof ex.json.token === 'string' && 'expiration' in ex.json,
        );
        const problems = new Map(
          began.flatMap((ex) => {
            const problem = expirationProblem(ex, cookie);
            return problem ? [[ex, problem] as const] : [];
          }),
        );
        if (problems.size > 0) throw new CheckFailed(summarise([...problems.keys()], began.length, (ex) => problems.get(ex)!));
      },
    },
    {
      id: 'tokens.expired',
      rules: ['AUTH-8'],
      title: `with tokens living at most ${EXPIRY_WAIT_LIMIT_MS / 1000} s: once its expiration has passed, a token is refused on both channels, and so is the successor it took before, once that one's has passed too; neither gets a successor`,
      async run(ctx) {
        const account = await ctx.account('expired');
        const clock = serverClock();
        clock.observe(account.registered);
        const lifetimeMs = announcedLifetime(account.registered, account.session);
        if (lifetimeMs > EXPIRY_WAIT_LIMIT_MS) {
          throw new Skipped(
            `tokens live ${span(lifetimeMs)} (register answered expiration ${account.session.expiration} with ${dateText(account.registered)}), too long to wait out; to see tokens expire, run the server with a token lifetime of at most ${EXPIRY_WAIT_LIMIT_MS / 1000} s (reference server: AZUMA_SESSION_TTL=60)`,
          );
        }
        const { first, successor } = await firstAndSuccessor(ctx, clock, lifetimeMs, account);
        await clock.until(first.latest + EXPIRY_GRACE_MS);
        await expectExpired(ctx, clock, first);
        if (!successor) return;
        // The successor outlives the first token: it must still work, which shows the refusals above
        // were that token's own expiry and not its session's end.
        const alive = await me(ctx, 'header', successor.token, `${successor.what}, after the first token expired`);
        clock.observe(alive);
        if (alive.status === 200) {
          expectUser(alive, '_id', expectOk<User>(alive)._id, account.session.userid);
        } else if (serverTime(alive) + EXPIRY_GRACE_MS < successor.earliest) {
          throw new CheckFailed(
            `${alive.label} answered ${alive.status} with ${dateText(alive)}, ${span(successor.expiresAt - serverTime(alive))} before its expiration ${iso(successor.expiresAt)} (Date + Max-Age of the answer that set it): a successor lives its own lifetime, whenever the token it succeeds expires`,
          );
        } else {
          // Too close to its own expiration to tell: what it answers must still be the contract's 401.
          expectError(alive, 401, ctx.contract);
        }
        await clock.until(successor.latest + EXPIRY_GRACE_MS);
        await expectExpired(ctx, clock, successor);
        await expectExpired(ctx, clock, first);
      },
    },
  ];
}
