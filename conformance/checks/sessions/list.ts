// Sessions: the list of a user's live sessions, and the bound on how many one user keeps.
import { randomBytes } from 'node:crypto';
import type { Contract } from '../../contract.js';
import { expectError, expectOk } from '../../expect.js';
import { CheckFailed, type Exchange } from '../../http.js';
import { short } from '../../messages.js';
import { listSessions, login, type Session, type SessionInfo, type User } from '../../requests.js';
import { type Check, Skipped } from '../../runner.js';
import { me } from '../../session-tokens.js';
import { openSessions } from './support.js';

/** Sessions the bound check begins for one account: past the reference server's default bound (20). */
const BOUND_PROBE = 25;

/** Fails unless a list holds the live sessions, newest first, never a token nor a last use before creation. */
function expectListed(ex: Exchange, sessions: SessionInfo[], live: string[], tokens: string[], tokenPattern: RegExp): void {
  const ids = sessions.map((session) => session.id);
  if (live.some((id) => !ids.includes(id))) {
    throw new CheckFailed(`${ex.label} listed ${JSON.stringify(ids)}, missing one of the two live sessions ${live.join(', ')}`);
  }
  const token = tokens.find((t) => ex.text.includes(t));
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
    throw new CheckFailed(`${ex.label} lists session ${early.id} last used ${early.lastUsed}, before it was created ${early.created}`);
}

export function listChecks(contract: Contract): Check[] {
  return [
    {
      id: 'sessions.list',
      rules: ['SESSION-1'],
      title: 'GET /api/me/sessions lists every live session of the caller, exactly one marked current (its own), and never a token',
      async run(ctx) {
        const account = await ctx.account('list');
        const [a, b] = (await openSessions(ctx, account, 2, 'list them')) as [string, string];
        const byA = await listSessions(ctx, { header: a }, 'list by the first session');
        const byB = await listSessions(ctx, { header: b }, 'list by the second session');
        if (byA.current.id === byB.current.id) {
          throw new CheckFailed(
            `both sessions' lists mark session ${byA.current.id} current: current must be the session that sent the request`,
          );
        }
        for (const { ex, sessions } of [byA, byB]) {
          expectListed(ex, sessions, [byA.current.id, byB.current.id], [a, b], contract.index.session.tokenPattern);
        }
        // The user agent a session began with is listed as sent.
        const agent = `azuma-conformance (sessions.list ${randomBytes(4).toString('hex')})`;
        const ex = await login(ctx, account, `log in with User-Agent ${JSON.stringify(agent)}`, { 'user-agent': agent });
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
  ];
}
