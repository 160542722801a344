// Sessions: ending one session by its id (another of the caller's, its own, or one not its own)
// and ending every other session.
import { randomBytes } from 'node:crypto';
import type { Contract } from '../../contract.js';
import { expectError, expectIndistinguishable, expectNoHeader, expectOk, statusName } from '../../expect.js';
import { CheckFailed } from '../../http.js';
import { short } from '../../messages.js';
import { by, CHANNELS, endOtherSessions, endSession, listSessions } from '../../requests.js';
import type { Check } from '../../runner.js';
import { expectClearedCookie, expectRefused, expectSameUser } from '../../session-tokens.js';
import { openSessions } from './support.js';

export function endChecks(contract: Contract): Check[] {
  return [
    {
      id: 'sessions.end-one',
      rules: ['SESSION-3'],
      title:
        "DELETE /api/me/sessions/{id} answers 204 and ends that session of the caller's: its token is refused, the caller's still works",
      async run(ctx) {
        const account = await ctx.account('end-one');
        const [caller, other] = (await openSessions(ctx, account, 2, 'end one by its id')) as [string, string];
        const { current: target } = await listSessions(ctx, { header: other }, 'the id of the session to end');
        expectOk(await endSession(ctx, { header: caller }, target.id, 'end the other session by its id'), 204);
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
        const { cookie, header } = ctx.http.channels;
        for (const channel of CHANNELS) {
          const { token } = await ctx.login(account, `a session to end itself by id, by ${channel}`);
          const { current } = await listSessions(ctx, by(channel, token), `the id of the session to end itself by ${channel}`);
          const ex = await endSession(ctx, by(channel, token), current.id, `end the session that sends it, by its id, by ${channel}`);
          expectOk(ex, 204);
          if (channel === 'cookie') expectClearedCookie(ex, cookie);
          expectNoHeader(ex, header, 'the session it ended has no successor that lives');
          await expectRefused(ctx, token, `the token ${short(token)}`, `after its session ended itself by id (${channel})`);
        }
      },
    },
    {
      id: 'sessions.end-not-yours',
      rules: ['SESSION-3'],
      title: `DELETE /api/me/sessions/{id} answers ${statusName(contract, 404)} for another user's session exactly as for an unknown id, and that session lives on`,
      async run(ctx) {
        const caller = {
          header: (await ctx.login(await ctx.account('end-one'), 'a session that tries to end sessions not its own')).token,
        };
        const stranger = await ctx.account('stranger');
        const theirs = (await ctx.login(stranger, "another user's session")).token;
        const { current } = await listSessions(ctx, { header: theirs }, "the id of another user's session");
        const foreign = await endSession(ctx, caller, current.id, "end another user's session");
        expectError(foreign, 404, contract);
        const unknown = await endSession(ctx, caller, randomBytes(12).toString('hex'), 'end a session id nobody has');
        expectError(unknown, 404, contract);
        expectIndistinguishable({ ex: foreign, what: "another user's session id" }, { ex: unknown, what: 'an unknown id' }, 'session ids');
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
        expectOk(await endOtherSessions(ctx, { header: caller }, 'end every other session'), 204);
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
  ];
}
