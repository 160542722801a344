// Sessions (contract 1.1): logout, the session list, ending one or every other session, password
// change, the profile, and the absolute lifetime. Each topic works on an account of its own, so
// ending sessions never touches what other checks use.
import { randomBytes } from 'node:crypto';
import {
  type Account,
  type Context,
  expectError,
  expectOk,
  listSessions,
  oid,
  randomName,
  type Session,
  serverTime,
  sessionCookies,
  statusName,
  type User,
} from '../context.js';
import type { Contract } from '../contract.js';
import { by, CHANNELS, type Channel, CheckFailed, type Exchange } from '../http.js';
import { type Check, Skipped } from '../runner.js';
import { expectSessionCookie, maxAge } from './accounts.js';
import { expectSameUser, insideWindow, me, short, successorOf, windowText } from './refresh.js';

/** The longest absolute session lifetime the suite waits out to see a session end. */
const LIFETIME_WAIT_LIMIT_MS = 120_000;
/** How long past its absolute end (by the server's whole-second `Date`) a session may still answer: rounding, not design. */
const END_GRACE_MS = 2_000;
/** How often the lifetime check uses its session while waiting for the end. */
const POLL_MS = 1_000;

/** Password changes the race check sends at once: each hashes, so they overlap on any server. */
const RACING_CHANGES = 4;

/** The most wrong current passwords the lockout check spends to see the name locked. */
const MAX_GUESSES = 20;

/** Sessions the bound check begins for one account: past the reference server's default bound (20). */
const BOUND_PROBE = 25;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newPassword = () => `pw-${randomBytes(12).toString('base64url')}`;

/** Fails unless `token` is refused with 401 on both channels; `after` says what should have ended it. */
async function expectRefused(ctx: Context, token: string, what: string, after: string): Promise<void> {
  for (const channel of CHANNELS) {
    const ex = await me(ctx, channel, token, `${what} by ${channel}, ${after}`);
    if (ex.status === 200) throw new CheckFailed(`${what} still works by ${channel} (GET /api/me answered 200) ${after}`);
    expectError(ex, 401, ctx.contract);
  }
}

/** `n` live sessions of the account (new logins), skipping when the server keeps fewer per user. */
async function openSessions(ctx: Context, account: Account, n: number, purpose: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 1; i <= n; i++) tokens.push((await ctx.login(account, `session ${i} of ${n}, to ${purpose}`)).token);
  const first = await me(ctx, 'header', tokens[0]!, `the first of ${n} sessions, still live after the others began`);
  if (first.status === 401) {
    throw new Skipped(
      `beginning ${n} sessions of one account ended the first: the server keeps fewer than ${n} per user; run it with more (reference server: AZUMA_SESSIONS_PER_USER, default 20)`,
    );
  }
  expectOk<User>(first);
  return tokens;
}

function logout(ctx: Context, channel: Channel, token: string, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'POST', path: '/api/logout', label, auth: by(channel, token) });
}

function endSession(ctx: Context, token: string, id: string, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'DELETE', path: `/api/me/sessions/${encodeURIComponent(id)}`, label, auth: { header: token } });
}

export function changePassword(ctx: Context, token: string, currentPassword: string, next: string, label: string): Promise<Exchange> {
  return ctx.http.send({
    method: 'PUT',
    path: '/api/me/password',
    label,
    json: { currentPassword, newPassword: next },
    auth: { header: token },
  });
}

function patchMe(ctx: Context, token: string, json: unknown, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'PATCH', path: '/api/me', label, json, auth: { header: token } });
}

function logIn(ctx: Context, name: string, password: string, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'POST', path: '/api/login', label, json: { name, password } });
}

/** Fails unless a logout by cookie clears the session cookie: one Set-Cookie with an empty value and Max-Age=0. */
function expectClearedCookie(ex: Exchange, cookie: string): void {
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

/** Fails unless the response is the user with exactly this icon and status. */
function expectProfile(ex: Exchange, expected: Pick<User, 'icon' | 'status'>): void {
  const user = expectOk<User>(ex);
  if (user.icon !== expected.icon || user.status !== expected.status) {
    throw new CheckFailed(
      `${ex.label} answered icon ${JSON.stringify(user.icon)} and status ${JSON.stringify(user.status)}, expected icon ${JSON.stringify(expected.icon)} and status ${JSON.stringify(expected.status)}`,
    );
  }
}

export function sessionChecks(contract: Contract): Check[] {
  const { cookie, header, tokenPattern } = contract.index.session;

  /** A fresh session rotated once by header: its first token and that token's successor. */
  const rotated = async (ctx: Context, account: Account, lifetimeMs: number, purpose: string) => {
    const old = (await ctx.login(account, `a fresh session to ${purpose}`)).token;
    const successor = successorOf(ctx, await me(ctx, 'header', old, `rotate ${short(old)}`), 'header', lifetimeMs);
    return { old, successor };
  };

  return [
    {
      id: 'sessions.logout',
      rules: ['SESSION-2'],
      title: `POST /api/logout answers 204 by header and by cookie (clearing the cookie); the token is then refused on both channels, and a second logout is ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('logout');
        for (const channel of CHANNELS) {
          const { token } = await ctx.login(account, `a session to log out by ${channel}`);
          const ex = await logout(ctx, channel, token, `log out by ${channel}`);
          expectOk(ex, 204);
          if (channel === 'cookie') expectClearedCookie(ex, cookie);
          await expectRefused(ctx, token, `the token ${short(token)}`, `after POST /api/logout with it by ${channel} answered 204`);
          expectError(await logout(ctx, channel, token, `log out by ${channel} again, with the same token`), 401, contract);
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
        expectOk(await logout(ctx, 'header', first.old, `log out with the old token ${short(first.old)}`), 204);
        await expectRefused(
          ctx,
          first.successor,
          `its successor ${short(first.successor)}`,
          `after logging out with its predecessor ${short(first.old)}: logout ends every token of the session`,
        );
        const second = await rotated(ctx, account, lifetimeMs, 'log out with the successor');
        expectOk(await logout(ctx, 'header', second.successor, `log out with the successor ${short(second.successor)}`), 204);
        await expectRefused(
          ctx,
          second.old,
          `its predecessor ${short(second.old)}`,
          `after logging out with its successor ${short(second.successor)}: logout ends every token of the session`,
        );
      },
    },
    {
      id: 'sessions.list',
      rules: ['SESSION-1'],
      title: 'GET /api/me/sessions lists every live session of the caller, exactly one marked current (its own), and never a token',
      async run(ctx) {
        const [a, b] = (await openSessions(ctx, await ctx.account('list'), 2, 'list them')) as [string, string];
        const byA = await listSessions(ctx, { header: a }, 'list by the first session');
        const byB = await listSessions(ctx, { header: b }, 'list by the second session');
        if (byA.current.id === byB.current.id) {
          throw new CheckFailed(
            `both sessions' lists mark session ${byA.current.id} current: current must be the session that sent the request`,
          );
        }
        for (const { ex, sessions } of [byA, byB]) {
          const ids = sessions.map((session) => session.id);
          if (!ids.includes(byA.current.id) || !ids.includes(byB.current.id)) {
            throw new CheckFailed(
              `${ex.label} listed ${JSON.stringify(ids)}, missing one of the two live sessions ${byA.current.id}, ${byB.current.id}`,
            );
          }
          const token = [a, b].find((t) => ex.text.includes(t));
          if (token) throw new CheckFailed(`${ex.label} contains the token ${short(token)}: tokens are never listed`);
          const tokenLike = sessions.flatMap(Object.values).find((value) => typeof value === 'string' && tokenPattern.test(value));
          if (tokenLike)
            throw new CheckFailed(`${ex.label} lists a value of a token's shape, ${short(String(tokenLike))}: tokens are never listed`);
          const created = sessions.map((session) => Date.parse(session.created));
          if (created.some((time, i) => i > 0 && time > created[i - 1]!)) {
            throw new CheckFailed(`${ex.label} listed sessions created ${sessions.map((x) => x.created).join(', ')}: newest first`);
          }
          const early = sessions.find((session) => Date.parse(session.lastUsed) < Date.parse(session.created));
          if (early)
            throw new CheckFailed(
              `${ex.label} lists session ${early.id} last used ${early.lastUsed}, before it was created ${early.created}`,
            );
        }
        // The user agent a session began with is listed as sent.
        const agent = `azuma-conformance (sessions.list ${randomBytes(4).toString('hex')})`;
        const account = await ctx.account('list');
        const ex = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: `log in with User-Agent ${JSON.stringify(agent)}`,
          json: { name: account.name, password: account.password },
          headers: { 'user-agent': agent },
        });
        const { token } = expectOk<Session>(ex);
        const { current } = await listSessions(ctx, { header: token }, 'list by the session that began with a known User-Agent');
        if (current.userAgent !== agent) {
          throw new CheckFailed(
            `the session that began with User-Agent ${JSON.stringify(agent)} is listed with userAgent ${JSON.stringify(current.userAgent)}`,
          );
        }
      },
    },
    {
      id: 'sessions.bounded',
      rules: ['SESSION-7'],
      title: 'a user keeps a bounded number of live sessions: beyond it, beginning one more ends the oldest',
      async run(ctx) {
        const account = await ctx.account('bounded');
        // Oldest first: the session register began, then one login after another.
        const tokens = [account.session.token];
        for (let i = 1; i <= BOUND_PROBE; i++)
          tokens.push((await ctx.login(account, `session ${i + 1} of ${BOUND_PROBE + 1}, to find the bound`)).token);
        const { sessions } = await listSessions(ctx, { header: tokens.at(-1)! }, `list after ${tokens.length} sessions began`);
        const bound = sessions.length;
        if (bound >= tokens.length) {
          throw new Skipped(
            `all ${tokens.length} sessions of one account stayed live; to see the bound, run the server with at most ${BOUND_PROBE} per user (reference server: AZUMA_SESSIONS_PER_USER, default 20)`,
          );
        }
        for (const [i, token] of tokens.entries()) {
          const live = i >= tokens.length - bound;
          const ex = await me(ctx, 'header', token, `session ${i + 1} of ${tokens.length}, with ${bound} listed live`);
          if (live) expectOk<User>(ex);
          else if (ex.status !== 401) {
            throw new CheckFailed(
              `${ex.label} answered ${ex.status}: with ${bound} live sessions listed, beginning session ${tokens.length} must have ended the oldest ones, this one among them`,
            );
          } else expectError(ex, 401, contract);
        }
      },
    },
    {
      id: 'sessions.end-one',
      rules: ['SESSION-3'],
      title:
        "DELETE /api/me/sessions/{id} answers 204 and ends that session of the caller's: its token is refused, the caller's still works",
      async run(ctx) {
        const account = await ctx.account('end-one');
        const [caller, other] = (await openSessions(ctx, account, 2, 'end one by its id')) as [string, string];
        const { current: target } = await listSessions(ctx, { header: other }, 'the id of the session to end');
        expectOk(await endSession(ctx, caller, target.id, 'end the other session by its id'), 204);
        await expectRefused(
          ctx,
          other,
          `the ended session's token ${short(other)}`,
          `after DELETE /api/me/sessions/${target.id} answered 204`,
        );
        await expectSameUser(ctx, 'header', caller, account, "the caller's token, after it ended another session");
        const { ex, sessions } = await listSessions(ctx, { header: caller }, 'list after ending one session');
        if (sessions.some((session) => session.id === target.id))
          throw new CheckFailed(`${ex.label} still lists the ended session ${target.id}`);
      },
    },
    {
      id: 'sessions.end-own',
      rules: ['SESSION-9'],
      title:
        'DELETE /api/me/sessions/{id} of the session that sends it ends it as logout does: no successor, and by cookie the cookie is cleared',
      async run(ctx) {
        const account = await ctx.account('end-own');
        for (const channel of CHANNELS) {
          const { token } = await ctx.login(account, `a session to end itself by id, by ${channel}`);
          const { current } = await listSessions(ctx, by(channel, token), `the id of the session to end itself by ${channel}`);
          const ex = await ctx.http.send({
            method: 'DELETE',
            path: `/api/me/sessions/${encodeURIComponent(current.id)}`,
            label: `end the session that sends it, by its id, by ${channel}`,
            auth: by(channel, token),
          });
          expectOk(ex, 204);
          if (channel === 'cookie') expectClearedCookie(ex, cookie);
          const successor = ex.headers.get(header);
          if (successor) {
            throw new CheckFailed(
              `${ex.label} sent the successor ${short(successor)} in ${header}: the session it ended has none that lives`,
            );
          }
          await expectRefused(ctx, token, `the token ${short(token)}`, `after its session ended itself by id (${channel})`);
        }
      },
    },
    {
      id: 'sessions.password-race',
      rules: ['SESSION-8'],
      title: `password changes sent at once with the right current password: one answers 200, the others ${statusName(contract, 409)}, never ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('password-race');
        const { token } = await ctx.login(account, 'the session that changes its password several times at once');
        const nexts = Array.from({ length: RACING_CHANGES }, () => newPassword());
        const answers = await Promise.all(
          nexts.map((next, i) =>
            changePassword(ctx, token, account.password, next, `password change ${i + 1} of ${RACING_CHANGES} sent at once`),
          ),
        );
        const won = answers.filter((ex) => ex.status === 200);
        if (won.length !== 1) {
          throw new CheckFailed(
            `${RACING_CHANGES} password changes sent at once with the right current password answered ${answers.map((ex) => ex.status).join(', ')}: exactly one may win, the password is compared and set`,
          );
        }
        const winner = answers.indexOf(won[0]!);
        account.password = nexts[winner]!;
        for (const ex of answers) {
          if (ex.status === 200) continue;
          if (ex.status === 401) {
            throw new CheckFailed(
              `${ex.label} answered ${ex.text}: it sent the right current password and lost a race to another change, which is no wrong password`,
            );
          }
          expectError(ex, 409, contract);
        }
        await ctx.login(account, 'log in with the password that won');
      },
    },
    {
      id: 'sessions.end-not-yours',
      rules: ['SESSION-3'],
      title: `DELETE /api/me/sessions/{id} answers ${statusName(contract, 404)} for another user's session exactly as for an unknown id, and that session lives on`,
      async run(ctx) {
        const caller = (await ctx.login(await ctx.account('end-one'), 'a session that tries to end sessions not its own')).token;
        const stranger = await ctx.account('stranger');
        const theirs = (await ctx.login(stranger, "another user's session")).token;
        const { current } = await listSessions(ctx, { header: theirs }, "the id of another user's session");
        const foreign = await endSession(ctx, caller, current.id, "end another user's session");
        const foreignBody = expectError(foreign, 404, contract);
        const unknown = await endSession(ctx, caller, randomBytes(12).toString('hex'), 'end a session id nobody has');
        const unknownBody = expectError(unknown, 404, contract);
        if (JSON.stringify(foreignBody) !== JSON.stringify(unknownBody)) {
          throw new CheckFailed(
            `another user's session id answered ${foreign.text} but an unknown id answered ${unknown.text}: the difference tells which session ids exist`,
          );
        }
        await expectSameUser(ctx, 'header', theirs, stranger, "the other user's session, after someone else tried to end it");
      },
    },
    {
      id: 'sessions.end-others',
      rules: ['SESSION-4'],
      title: 'DELETE /api/me/sessions answers 204, ends every other session of the caller and keeps its own',
      async run(ctx) {
        const account = await ctx.account('end-others');
        const [caller, ...others] = (await openSessions(ctx, account, 3, 'end all but one')) as [string, ...string[]];
        const ex = await ctx.http.send({
          method: 'DELETE',
          path: '/api/me/sessions',
          label: 'end every other session',
          auth: { header: caller },
        });
        expectOk(ex, 204);
        for (const token of others) {
          await expectRefused(ctx, token, `another session's token ${short(token)}`, 'after DELETE /api/me/sessions answered 204');
        }
        await expectSameUser(ctx, 'header', caller, account, "the caller's token, after it ended every other session");
        const listed = await listSessions(ctx, { header: caller }, 'list after ending every other session');
        if (listed.sessions.length !== 1) {
          throw new CheckFailed(`${listed.ex.label} lists ${listed.sessions.length} sessions, expected only the caller's`);
        }
      },
    },
    {
      id: 'sessions.password-wrong',
      rules: ['SESSION-5'],
      title: `PUT /api/me/password with a wrong current password answers ${statusName(contract, 401)} and changes nothing: the token works, the old password logs in`,
      async run(ctx) {
        const account = await ctx.account('password');
        const { token } = await ctx.login(account, 'a session to fail a password change');
        const next = newPassword();
        expectError(await changePassword(ctx, token, `${account.password}-wrong`, next, 'a wrong current password'), 401, contract);
        await expectSameUser(ctx, 'header', token, account, 'the token, after a refused password change');
        await ctx.login(account, 'log in with the unchanged password, after a refused password change');
        expectError(await logIn(ctx, account.name, next, 'log in with the password a refused change proposed'), 401, contract);
      },
    },
    {
      id: 'sessions.password-change',
      rules: ['SESSION-5'],
      title:
        "PUT /api/me/password answers 200 with a new session that works, ends every session of the user (the caller's too), and only the new password logs in",
      async run(ctx) {
        const account = await ctx.account('password');
        const caller = (await ctx.login(account, 'the session that changes the password')).token;
        const other = (await ctx.login(account, 'another session of the same user')).token;
        const old = account.password;
        const next = newPassword();
        const ex = await changePassword(ctx, caller, old, next, 'the right current password');
        const session = expectOk<Session>(ex);
        // The account's password is the new one from now on: fuzz.accounts-survive logs in with it.
        account.password = next;
        expectSessionCookie(ex, session, cookie);
        if (oid(session.userid) !== oid(account.session.userid)) {
          throw new CheckFailed(`${ex.label} answered userid ${oid(session.userid)}, the account is ${oid(account.session.userid)}`);
        }
        await expectSameUser(ctx, 'header', session.token, account, 'the session the password change answered');
        await expectRefused(
          ctx,
          other,
          `another session's token ${short(other)}`,
          'after the password change, which ends every session of the user',
        );
        await expectRefused(
          ctx,
          caller,
          `the caller's old token ${short(caller)}`,
          "after the password change, which ends the caller's session too and answers a new one",
        );
        expectError(await logIn(ctx, account.name, old, 'log in with the old password, after the change'), 401, contract);
        await ctx.login(account, 'log in with the new password');
      },
    },
    {
      id: 'sessions.password-lockout',
      rules: ['RATE-2'],
      title: `wrong current passwords on PUT /api/me/password lock the user's name for this client like failed logins: ${statusName(contract, 429)} with Retry-After, the right password too, and login on that name too`,
      async run(ctx) {
        // An account of its own, not the context's: it stays locked, and the context's are all
        // logged in again after the fuzzing.
        const account = { name: randomName('CfPwLock'), password: newPassword() };
        const { token } = expectOk<Session>(
          await ctx.http.send({ method: 'POST', path: '/api/register', label: `register "${account.name}"`, json: account }),
        );
        let remaining: string | null = null;
        const guess = async (currentPassword: string, label: string) => {
          const ex = await changePassword(ctx, token, currentPassword, newPassword(), label);
          if (ex.status === 429 && remaining?.trim() === '0') {
            throw new Skipped(
              `${label} met the per-client rate limit (X-RateLimit-Remaining reached 0) before any lock on the name; run the server with that limit off or high (reference server: AZUMA_AUTH_RATE_LIMIT=0)`,
            );
          }
          remaining = ex.headers.get('X-RateLimit-Remaining');
          return ex;
        };
        const locked = (ex: Exchange) => {
          expectError(ex, 429, contract);
          if (!ex.headers.has('retry-after')) throw new CheckFailed(`${ex.label} answered 429 without Retry-After`);
        };
        let failures = 0;
        let ex = await guess(`${account.password}-wrong-0`, 'wrong current password 1');
        while (ex.status !== 429) {
          expectError(ex, 401, contract);
          failures++;
          if (failures >= MAX_GUESSES) {
            // Logins count on the same name: a lock they meet that password change never
            // announced is a lock password change ignores.
            const probe = await logIn(ctx, account.name, `${account.password}-wrong`, `log in to "${account.name}" with a wrong password`);
            if (probe.status === 429) {
              throw new CheckFailed(
                `${failures} wrong current passwords on PUT /api/me/password all answered 401, yet ${probe.label} answered 429: the name is locked, and password change must answer 429 too`,
              );
            }
            throw new Skipped(
              `${failures} wrong current passwords all answered 401: the server locks no name within what this check spends (reference server: AZUMA_LOGIN_FAILURES_PER_CLIENT, 10 by default)`,
            );
          }
          ex = await guess(`${account.password}-wrong-${failures}`, `wrong current password ${failures + 1}`);
        }
        locked(ex);
        if (failures === 0) throw new CheckFailed(`${ex.label} answered 429: a fresh name must allow at least one attempt`);
        // A lock that let the right password through would tell a guesser when it guessed right.
        locked(await guess(account.password, `the right current password, locked after ${failures} wrong ones`));
        // The failures count on the name, whichever operation made them.
        locked(await logIn(ctx, account.name, account.password, `log in to "${account.name}" after ${failures} wrong current passwords`));
      },
    },
    {
      id: 'sessions.profile',
      rules: ['ACCOUNT-7'],
      title:
        'PATCH /api/me sets status and icon and answers the user; GET /api/me shows them; null clears one field and the other keeps its value',
      async run(ctx) {
        const account = await ctx.account('profile');
        const { token } = await ctx.login(account, 'a session to edit the profile');
        const status = 'Checking conformance';
        const icon = `https://example.org/icons/${encodeURIComponent(account.name)}.png`;
        expectProfile(await patchMe(ctx, token, { status, icon }, 'set status and icon'), { status, icon });
        expectProfile(await me(ctx, 'header', token, 'the profile after setting it'), { status, icon });
        expectProfile(await patchMe(ctx, token, { icon: null }, 'clear the icon'), { status, icon: null });
        expectProfile(await me(ctx, 'header', token, 'the profile after clearing the icon'), { status, icon: null });
        expectProfile(await patchMe(ctx, token, { status: null }, 'clear the status'), { status: null, icon: null });
      },
    },
    {
      id: 'sessions.profile-invalid',
      rules: ['ACCOUNT-7'],
      title: `PATCH /api/me answers ${statusName(contract, 400)} to an http:// icon, a status with a control character and an empty object, changing nothing`,
      async run(ctx) {
        const account = await ctx.account('profile');
        const { token } = await ctx.login(account, 'a session to send invalid profile updates');
        const before = expectOk<User>(await me(ctx, 'header', token, 'the profile before invalid updates'));
        const invalid: [unknown, string][] = [
          [{ icon: 'http://example.org/icon.png' }, 'an http:// icon'],
          [{ status: 'ring \u0007' }, 'a status with a control character'],
          [{}, 'an empty object'],
        ];
        for (const [body, why] of invalid) expectError(await patchMe(ctx, token, body, why), 400, contract);
        expectProfile(await me(ctx, 'header', token, 'the profile after invalid updates'), before);
      },
    },
    {
      id: 'sessions.absolute-lifetime',
      rules: ['SESSION-6'],
      title:
        'a session ends at its absoluteExpiration however often it is refreshed: no listed expiration is later, and then every token of it is refused',
      async run(ctx) {
        const account = await ctx.account('lifetime');
        const first = (await ctx.login(account, 'the session to keep in use until its end')).token;
        let latest = first;
        /** A client follows every successor; with header auth it comes in the header. */
        const follow = (ex: Exchange) => {
          const successor = ex.headers.get(header);
          if (ex.status === 200 && successor) latest = successor;
        };
        const start = await listSessions(ctx, { header: latest }, 'the absolute end of a fresh session');
        follow(start.ex);
        const { id, created, absoluteExpiration } = start.current;
        const end = Date.parse(absoluteExpiration);
        const limitMs = end - Date.parse(created);
        if (limitMs > LIFETIME_WAIT_LIMIT_MS) {
          throw new Skipped(
            `sessions end ${windowText(limitMs)} after they begin (absoluteExpiration − created of a fresh session); to see one end, run the server with an absolute session lifetime of at most ${windowText(LIFETIME_WAIT_LIMIT_MS)} (reference server: AZUMA_SESSION_MAX_AGE=60)`,
          );
        }
        // Keep the session in use until past its end, alternating the user and the session list.
        const giveUp = Date.now() + (end - serverTime(start.ex)) + END_GRACE_MS + 30_000;
        for (let round = 0; ; round++) {
          const ex =
            round % 2 === 0
              ? await me(ctx, 'header', latest, 'keep the session in use')
              : await ctx.http.send({
                  method: 'GET',
                  path: '/api/me/sessions',
                  label: 'the list, while the session is in use',
                  auth: { header: latest },
                });
          const now = serverTime(ex);
          if (ex.status === 401) {
            if (now < end - END_GRACE_MS) {
              throw new CheckFailed(
                `${ex.label} refused the session's latest token ${short(latest)} ${seconds(end - now)} before its absoluteExpiration ${absoluteExpiration}: a session whose successors are followed lives until then`,
              );
            }
            break;
          }
          expectOk(ex);
          follow(ex);
          if (now > end + END_GRACE_MS || Date.now() > giveUp) {
            throw new CheckFailed(
              `${ex.label} still accepted the session's latest token ${short(latest)} ${seconds(now - end)} after its absolute end (absoluteExpiration ${absoluteExpiration}): a session ends then however often it is refreshed`,
            );
          }
          for (const session of ex.path === '/api/me/sessions' ? (ex.json as { sessions: typeof start.sessions }).sessions : []) {
            if (Date.parse(session.expiration) > Date.parse(session.absoluteExpiration)) {
              throw new CheckFailed(
                `${ex.label} lists session ${session.id} with expiration ${session.expiration}, after its absoluteExpiration ${session.absoluteExpiration}: no token outlives its session`,
              );
            }
            if (session.id === id && session.absoluteExpiration !== absoluteExpiration) {
              throw new CheckFailed(
                `${ex.label} lists the session's absoluteExpiration as ${session.absoluteExpiration}, first ${absoluteExpiration}: refreshing must not move a session's end`,
              );
            }
          }
          await sleep(POLL_MS);
        }
        await expectRefused(ctx, latest, `the session's latest token ${short(latest)}`, `after its absolute end ${absoluteExpiration}`);
        if (first !== latest)
          await expectRefused(ctx, first, `its first token ${short(first)}`, `after its absolute end ${absoluteExpiration}`);
      },
    },
  ];
}
