// Sessions: a password change ends every session of the user and answers a new one; a wrong
// current password changes nothing and counts as a failed sign-in; changes that race have one
// winner.

import { randomName, randomPassword } from '../../context.js';
import type { Contract } from '../../contract.js';
import { expectError, expectLocked, expectOk, expectUser, statusName } from '../../expect.js';
import { CheckFailed } from '../../http.js';
import { signInAttempts } from '../../lockout.js';
import { short } from '../../messages.js';
import { changePassword, login, register, type Session } from '../../requests.js';
import { type Check, Skipped } from '../../runner.js';
import { expectRefused, expectSameUser, expectSessionCookie } from '../../session-tokens.js';

/** Password changes the race check sends at once: each hashes, so they overlap on any server. */
const RACING_CHANGES = 4;

/** The most wrong current passwords the lockout check spends to see the name locked. */
const MAX_GUESSES = 20;

export function passwordChecks(contract: Contract): Check[] {
  return [
    {
      id: 'sessions.password-race',
      rules: ['SESSION-8'],
      title: `password changes sent at once with the right current password: one answers 200, the others ${statusName(contract, 409)}, never ${statusName(contract, 401)}`,
      async run(ctx) {
        const account = await ctx.account('password-race');
        const { token } = await ctx.login(account, 'the session that changes its password several times at once');
        const nexts = Array.from({ length: RACING_CHANGES }, () => randomPassword());
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
        account.password = nexts[answers.indexOf(won[0]!)]!;
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
      id: 'sessions.password-wrong',
      rules: ['SESSION-5'],
      title: `PUT /api/me/password with a wrong current password answers ${statusName(contract, 401)} and changes nothing: the token works, the old password logs in`,
      async run(ctx) {
        const account = await ctx.account('password');
        const { token } = await ctx.login(account, 'a session to fail a password change');
        const next = randomPassword();
        expectError(await changePassword(ctx, token, `${account.password}-wrong`, next, 'a wrong current password'), 401, contract);
        await expectSameUser(ctx, 'header', token, account, 'the token, after a refused password change');
        await ctx.login(account, 'log in with the unchanged password, after a refused password change');
        const proposed = { name: account.name, password: next };
        expectError(await login(ctx, proposed, 'log in with the password a refused change proposed'), 401, contract);
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
        const next = randomPassword();
        const ex = await changePassword(ctx, caller, old, next, 'the right current password');
        const session = expectOk<Session>(ex);
        // The account's password is the new one from now on: fuzz.accounts-survive logs in with it.
        account.password = next;
        expectSessionCookie(ex, session, ctx.http.channels.cookie);
        expectUser(ex, 'userid', session.userid, account.session.userid);
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
        expectError(
          await login(ctx, { name: account.name, password: old }, 'log in with the old password, after the change'),
          401,
          contract,
        );
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
        const account = { name: randomName('CfPwLock'), password: randomPassword() };
        const { token } = expectOk<Session>(await register(ctx, account, `register "${account.name}"`));
        const attempt = signInAttempts();
        const guess = (currentPassword: string, label: string) =>
          attempt(label, () => changePassword(ctx, token, currentPassword, randomPassword(), label));
        const wrongLogin = { name: account.name, password: `${account.password}-wrong` };
        let failures = 0;
        let ex = await guess(`${account.password}-wrong-0`, 'wrong current password 1');
        while (ex.status !== 429) {
          expectError(ex, 401, contract);
          failures++;
          if (failures >= MAX_GUESSES) {
            // Logins count on the same name: a lock they meet that password change never
            // announced is a lock password change ignores.
            const probe = await login(ctx, wrongLogin, `log in to "${account.name}" with a wrong password`);
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
        expectLocked(ex, contract);
        if (failures === 0) throw new CheckFailed(`${ex.label} answered 429: a fresh name must allow at least one attempt`);
        // A lock that let the right password through would tell a guesser when it guessed right.
        expectLocked(await guess(account.password, `the right current password, locked after ${failures} wrong ones`), contract);
        // The failures count on the name, whichever operation made them.
        expectLocked(await login(ctx, account, `log in to "${account.name}" after ${failures} wrong current passwords`), contract);
      },
    },
  ];
}
