// Accounts: register → login → me, the session cookie, unique names in any letter case or
// spelling, look-alike names taken (in any letter case), invisible, compatibility and
// Bidi-breaking ones refused, login failures that never tell whether a name exists (nor when
// they lock it, nor for a name no account can have), and common passwords refused as new ones.

import { randomBytes } from 'node:crypto';
import {
  type Context,
  expectConforms,
  expectError,
  expectOk,
  oid,
  randomName,
  type Session,
  serverTime,
  sessionCookies,
  statusName,
  type User,
} from '../context.js';
import type { Contract } from '../contract.js';
import { CheckFailed, type Exchange, setCookiesCame } from '../http.js';
import { type Check, Skipped } from '../runner.js';

/** Swaps the letter case of every character: `Ærø-ab12` → `æRØ-AB12`. */
export function swapCase(name: string): string {
  return [...name].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** The fullwidth form of every ASCII letter and digit: `Ab1-c` → `Ａｂ１-ｃ` (RFC 8265 maps it back). */
export function fullwidth(name: string): string {
  return name.replace(/[A-Za-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
}

/** Latin letters with a Cyrillic twin (UTS #39 confusables), swapped for it: `Cface` → `Сfасе`. */
const CYRILLIC_TWINS: Readonly<Record<string, string>> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', C: 'С', E: 'Е' };

export function cyrillicLookAlike(name: string): string {
  return [...name].map((c) => CYRILLIC_TWINS[c] ?? c).join('');
}

/** Max-Age of a Set-Cookie line, in seconds. */
export function maxAge(line: string): number | undefined {
  const match = /;\s*Max-Age=(\d+)/i.exec(line);
  return match ? Number(match[1]) : undefined;
}

/** How far Max-Age may be from the session's remaining life: clocks and rounding, not design. */
const MAX_AGE_SLACK_SECONDS = 120;

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

/** The most failed sign-ins on one name the lockout check spends to see it locked. */
const MAX_FAILURES = 50;

/**
 * Sign-in attempts on one name, each answered 401 unless the name is locked. A 429 right after an
 * answer that announced no rate-limit attempts left is the per-client rate limit, not a lock on
 * the name: the check cannot see past it and skips.
 */
function signIns(ctx: Context) {
  let remaining: string | null = null;
  return async (name: string, password: string, label: string): Promise<Exchange> => {
    const ex = await ctx.http.send({ method: 'POST', path: '/api/login', label, json: { name, password } });
    if (ex.status === 429 && remaining?.trim() === '0') {
      throw new Skipped(
        `${label} met the per-client rate limit (X-RateLimit-Remaining reached 0) before any lock on the name; run the server with that limit off or high (reference server: AZUMA_AUTH_RATE_LIMIT=0)`,
      );
    }
    remaining = ex.headers.get('X-RateLimit-Remaining');
    return ex;
  };
}

/** Passwords the contract itself names as refused (§Accounts): one of its list, and it with a capital. */
const COMMON_PASSWORDS = ['password1', 'Password1'];

/** A register of `name` with a password of its own: what a name already taken (in some spelling) gets. */
function registerAgain(ctx: Context, name: string, label: string): Promise<Exchange> {
  return ctx.http.send({ method: 'POST', path: '/api/register', label, json: { name, password: 'another-password' } });
}

export function accountChecks(contract: Contract): Check[] {
  const locked = (ex: Exchange) => {
    expectError(ex, 429, contract);
    if (!ex.headers.has('retry-after')) throw new CheckFailed(`${ex.label} answered 429 without Retry-After`);
  };
  const me = (ctx: Parameters<Check['run']>[0], token: string, label: string) =>
    ctx.http.send({ method: 'GET', path: '/api/me', label, auth: { header: token } });

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
        const login = expectOk<Session>(
          await ctx.http.send({
            method: 'POST',
            path: '/api/login',
            label: 'log in to the account just registered',
            json: { name: account.name, password: account.password },
          }),
        );
        if (oid(login.userid) !== oid(account.session.userid)) {
          throw new CheckFailed(`login answered userid ${oid(login.userid)}, register answered ${oid(account.session.userid)}`);
        }
        if (login.token === account.session.token)
          throw new CheckFailed('login answered the same token as register: a new session needs a new token');
        const user = expectOk<User>(await me(ctx, login.token, 'the user just logged in'));
        if (oid(user._id) !== oid(account.session.userid)) {
          throw new CheckFailed(`/api/me answered _id ${oid(user._id)}, register answered userid ${oid(account.session.userid)}`);
        }
        if (user.name !== account.name)
          throw new CheckFailed(`/api/me answered name ${JSON.stringify(user.name)}, registered as ${JSON.stringify(account.name)}`);
        if (user.icon !== null || user.status !== null) {
          throw new CheckFailed(
            `/api/me of a new user answered icon ${JSON.stringify(user.icon)} and status ${JSON.stringify(user.status)}, expected null until set`,
          );
        }
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
        const ex = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: 'log in, for the cookie',
          json: { name: account.name, password: account.password },
        });
        expectSessionCookie(ex, expectOk<Session>(ex), cookie);
      },
    },
    {
      id: 'accounts.duplicate-name',
      rules: ['ACCOUNT-4'],
      title: `registering a name that is taken answers ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const ex = await registerAgain(ctx, account.name, `register "${account.name}" again`);
        expectError(ex, 409, contract);
      },
    },
    {
      id: 'accounts.case-variant-name',
      rules: ['ACCOUNT-4'],
      title: `a name differing only in letter case (Unicode too) is taken: ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('unicode', 'Ærø');
        const variant = swapCase(account.name);
        const ex = await registerAgain(ctx, variant, `register "${variant}" after "${account.name}"`);
        expectError(ex, 409, contract);
      },
    },
    {
      id: 'accounts.case-variant-login',
      rules: ['ACCOUNT-4'],
      title: 'login accepts the name in any letter case; /api/me keeps the name as registered',
      async run(ctx) {
        const account = await ctx.account('unicode', 'Ærø');
        const variant = swapCase(account.name);
        const ex = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: `log in as "${variant}", registered as "${account.name}"`,
          json: { name: variant, password: account.password },
        });
        const session = expectOk<Session>(ex);
        if (oid(session.userid) !== oid(account.session.userid)) {
          throw new CheckFailed(`${ex.label} answered userid ${oid(session.userid)}, the account is ${oid(account.session.userid)}`);
        }
        const user = expectOk<User>(await me(ctx, session.token, 'the user logged in by a case variant'));
        if (user.name !== account.name) {
          throw new CheckFailed(`/api/me answered name ${JSON.stringify(user.name)}, registered as ${JSON.stringify(account.name)}`);
        }
      },
    },
    {
      id: 'accounts.fullwidth-variant',
      rules: ['ACCOUNT-4'],
      title: `a name sent in fullwidth letters is the same name (RFC 8265 width mapping): ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const variant = fullwidth(account.name);
        const ex = await registerAgain(ctx, variant, `register "${variant}" after "${account.name}"`);
        expectError(ex, 409, contract);
      },
    },
    {
      id: 'accounts.decomposed-name',
      rules: ['ACCOUNT-3', 'ACCOUNT-4'],
      title: `a name sent decomposed (NFD) is the registered one: register answers ${statusName(contract, 409)}, login the same user`,
      async run(ctx) {
        const account = await ctx.account('accented', 'José');
        const decomposed = account.name.normalize('NFD');
        const again = await registerAgain(ctx, decomposed, `register "${account.name}" again, decomposed (NFD)`);
        expectError(again, 409, contract);
        const ex = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: `log in as "${account.name}" sent decomposed (NFD)`,
          json: { name: decomposed, password: account.password },
        });
        const session = expectOk<Session>(ex);
        if (oid(session.userid) !== oid(account.session.userid)) {
          throw new CheckFailed(`${ex.label} answered userid ${oid(session.userid)}, the account is ${oid(account.session.userid)}`);
        }
      },
    },
    {
      id: 'accounts.combining-marks',
      rules: ['ACCOUNT-1', 'ACCOUNT-3'],
      title: 'a name with combining marks (Hindi अनिल) registers, logs in and is kept as sent',
      async run(ctx) {
        const account = await ctx.account('marks', 'अनिल');
        const session = await ctx.login(account, `log in as "${account.name}"`);
        const user = expectOk<User>(await me(ctx, session.token, `the user "${account.name}"`));
        if (user.name !== account.name)
          throw new CheckFailed(`/api/me answered name ${JSON.stringify(user.name)}, registered as ${JSON.stringify(account.name)}`);
      },
    },
    {
      id: 'accounts.confusable-name',
      rules: ['ACCOUNT-8'],
      title: `a name that looks like a taken one (Cyrillic letters for Latin) is taken: ${statusName(contract, 409)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const variant = cyrillicLookAlike(account.name);
        const ex = await registerAgain(ctx, variant, `register "${variant}" (Cyrillic look-alike) after "${account.name}"`);
        expectError(ex, 409, contract);
      },
    },
    {
      id: 'accounts.invisible-name',
      rules: ['ACCOUNT-10'],
      title: `a name with an invisible letter (U+3164 HANGUL FILLER), or only one, answers ${statusName(contract, 400)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        for (const [name, what] of [
          [`${account.name.slice(0, 31)}\u3164`, `"${account.name}" with U+3164 HANGUL FILLER after it`],
          ['\u3164', 'U+3164 HANGUL FILLER alone'],
        ] as const) {
          const ex = await ctx.http.send({
            method: 'POST',
            path: '/api/register',
            label: `register ${what}`,
            json: { name, password: 'another-password' },
          });
          expectError(ex, 400, contract);
        }
      },
    },
    {
      id: 'accounts.case-confusable-name',
      rules: ['ACCOUNT-8'],
      title: `a name that looks like a taken one in another letter case (a capital I for l) is taken, whichever came first: ${statusName(contract, 409)}`,
      async run(ctx) {
        const lower = await ctx.account('case-lower', 'clara');
        const capitalI = lower.name.replace('l', 'I');
        expectError(await registerAgain(ctx, capitalI, `register "${capitalI}" (a capital I for l) after "${lower.name}"`), 409, contract);
        const upper = await ctx.account('case-upper', 'paypaI');
        const small = upper.name.replace('I', 'l');
        expectError(await registerAgain(ctx, small, `register "${small}" after "${upper.name}" (a capital I for l)`), 409, contract);
      },
    },
    {
      id: 'accounts.bidi-name',
      rules: ['ACCOUNT-10'],
      title: `a name that breaks the Bidi Rule (RFC 5893) answers ${statusName(contract, 400)}`,
      async run(ctx) {
        for (const [name, what] of [
          ['abc\u05e9\u05dc\u05d5\u05dd', 'left-to-right letters, then right-to-left ones'],
          ['\u05e9\u05dc\u05d5\u05ddabc', 'right-to-left letters, then left-to-right ones'],
          ['1\u05e9\u05dc\u05d5\u05dd', 'a right-to-left name that begins with a digit'],
        ] as const) {
          const ex = await ctx.http.send({
            method: 'POST',
            path: '/api/register',
            label: `register "${name}" (${what})`,
            json: { name, password: 'another-password' },
          });
          expectError(ex, 400, contract);
        }
      },
    },
    {
      id: 'accounts.compatibility-name',
      rules: ['ACCOUNT-10'],
      title: `a name with a compatibility character (one NFKC changes: ℌ, ﬁ, ①) answers ${statusName(contract, 400)}`,
      async run(ctx) {
        for (const [prefix, what] of [
          ['\u210celga', 'U+210C BLACK-LETTER CAPITAL H'],
          ['\ufb01sh', 'U+FB01 LATIN SMALL LIGATURE FI'],
          ['\u2460', 'U+2460 CIRCLED DIGIT ONE'],
        ] as const) {
          const name = randomName(prefix);
          const ex = await ctx.http.send({
            method: 'POST',
            path: '/api/register',
            label: `register "${name}" (${what})`,
            json: { name, password: 'another-password' },
          });
          expectError(ex, 400, contract);
        }
      },
    },
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
          const ex = await ctx.http.send({
            method: 'POST',
            path: '/api/login',
            label: `log in as ${what}`,
            json: { name, password: account.password },
          });
          expectError(ex, 401, contract);
        }
      },
    },
    {
      id: 'accounts.wrong-password',
      rules: ['ACCOUNT-5'],
      title: `login with a wrong password answers ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('main');
        const ex = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: 'a wrong password',
          json: { name: account.name, password: `${account.password}-wrong` },
        });
        expectError(ex, 401, contract);
      },
    },
    {
      id: 'accounts.unknown-name',
      rules: ['ACCOUNT-5'],
      title: 'login with an unknown name answers the same 401 as a wrong password (no account enumeration)',
      async run(ctx) {
        const account = await ctx.account('main');
        const unknown = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: 'an unknown name',
          json: { name: randomName('nobody'), password: account.password },
        });
        const unknownBody = expectError(unknown, 401, contract);
        const wrong = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: 'a wrong password',
          json: { name: account.name, password: `${account.password}-wrong` },
        });
        const wrongBody = expectError(wrong, 401, contract);
        if (JSON.stringify(unknownBody) !== JSON.stringify(wrongBody)) {
          throw new CheckFailed(
            `an unknown name answered ${unknown.text} but a wrong password answered ${wrong.text}: the difference tells which names exist`,
          );
        }
      },
    },
    {
      id: 'accounts.common-password',
      rules: ['ACCOUNT-9'],
      title: `register and password change refuse a common new password (${COMMON_PASSWORDS.join(', ')}) with ${statusName(contract, 400)}; the name stays free and the password unchanged`,
      async run(ctx) {
        const name = randomName('CfCommon');
        for (const password of COMMON_PASSWORDS) {
          const ex = await ctx.http.send({
            method: 'POST',
            path: '/api/register',
            label: `register "${name}" with the common password "${password}"`,
            json: { name, password },
          });
          expectError(ex, 400, contract);
        }
        // Its own account: were the change accepted, no other check's account would lose its password.
        const account = await ctx.account('common');
        for (const newPassword of COMMON_PASSWORDS) {
          const ex = await ctx.http.send({
            method: 'PUT',
            path: '/api/me/password',
            label: `change the password to the common "${newPassword}"`,
            json: { currentPassword: account.password, newPassword },
            auth: { header: account.session.token },
          });
          expectError(ex, 400, contract);
        }
        const login = await ctx.http.send({
          method: 'POST',
          path: '/api/login',
          label: 'log in with the password kept after refused changes',
          json: { name: account.name, password: account.password },
        });
        expectOk<Session>(login);
        const registered = await ctx.http.send({
          method: 'POST',
          path: '/api/register',
          label: `register "${name}", left free by the refusals, with an uncommon password`,
          json: { name, password: `pw-${account.password}` },
        });
        expectOk<Session>(registered);
      },
    },
    {
      id: 'accounts.lockout',
      rules: ['RATE-2'],
      title: `failed sign-ins on one name lock it for this client with ${statusName(contract, 429)} and Retry-After (the right password too) while other names stay open; a name nobody has locks after as many; a successful sign-in forgets them`,
      async run(ctx) {
        const attempt = signIns(ctx);
        const name = randomName('CfLock');
        const password = `pw-${randomBytes(12).toString('base64url')}`;
        expectOk(await ctx.http.send({ method: 'POST', path: '/api/register', label: `register "${name}"`, json: { name, password } }));
        let allowed = 0;
        let ex = await attempt(name, `wrong-${allowed}`, `failed sign-in 1 on "${name}"`);
        while (ex.status !== 429) {
          expectError(ex, 401, contract);
          allowed++;
          if (allowed >= MAX_FAILURES) {
            throw new Skipped(
              `${allowed} failed sign-ins on one name all answered 401: the server locks no name within what this check spends (reference server: AZUMA_LOGIN_FAILURES_PER_CLIENT, 10 by default)`,
            );
          }
          ex = await attempt(name, `wrong-${allowed}`, `failed sign-in ${allowed + 1} on "${name}"`);
        }
        locked(ex);
        if (allowed === 0) throw new CheckFailed(`${ex.label} answered 429: a fresh name must allow at least one attempt`);
        // A lock that let the right password through would tell a guesser when it guessed right.
        locked(await attempt(name, password, `the right password for "${name}", locked after ${allowed} failures`));

        // A name nobody has: open to this client while the other is locked, and locked after as many failures.
        const nobody = randomName('CfNobody');
        for (let i = 1; i <= allowed; i++) {
          const unknown = await attempt(nobody, `wrong-${i}`, `failed sign-in ${i} on "${nobody}", a name nobody has`);
          if (unknown.status === 429) {
            throw new CheckFailed(
              `${unknown.label} answered 429, but "${name}", which an account has, allowed ${allowed} failures: the difference tells which names exist`,
            );
          }
          expectError(unknown, 401, contract);
        }
        const over = await attempt(nobody, `wrong-${allowed + 1}`, `failed sign-in ${allowed + 1} on "${nobody}", a name nobody has`);
        if (over.status !== 429) {
          throw new CheckFailed(
            `${over.label} answered ${over.status}, but "${name}", which an account has, was locked after ${allowed} failures: the difference tells which names exist`,
          );
        }
        locked(over);

        // A successful sign-in starts the count over: twice the failures, a success between them, stay 401.
        const fresh = randomName('CfForget');
        expectOk(
          await ctx.http.send({ method: 'POST', path: '/api/register', label: `register "${fresh}"`, json: { name: fresh, password } }),
        );
        for (const round of [1, 2]) {
          for (let i = 1; i < allowed; i++) {
            expectError(await attempt(fresh, `wrong-${round}-${i}`, `failed sign-in ${i} of round ${round} on "${fresh}"`), 401, contract);
          }
          expectOk(await attempt(fresh, password, `the right password for "${fresh}" after ${allowed - 1} failures (round ${round})`));
        }
      },
    },
  ];
}
