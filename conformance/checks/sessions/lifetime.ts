// Sessions: the absolute lifetime. However often it is refreshed, a session ends at its
// absoluteExpiration; seeing that takes a wait, so the check waits only for short lifetimes.

import type { Contract } from '../../contract.js';
import { expectOk } from '../../expect.js';
import { CheckFailed, type Exchange } from '../../http.js';
import { short, windowText } from '../../messages.js';
import { listSessions, request, type SessionList } from '../../requests.js';
import { type Check, Skipped } from '../../runner.js';
import { expectRefused, me, serverTime } from '../../session-tokens.js';

/** The longest absolute session lifetime the suite waits out to see a session end. */
const LIFETIME_WAIT_LIMIT_MS = 120_000;
/** How long past its absolute end (by the server's whole-second `Date`) a session may still answer: rounding, not design. */
const END_GRACE_MS = 2_000;
/** How often the lifetime check uses its session while waiting for the end. */
const POLL_MS = 1_000;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function lifetimeChecks(contract: Contract): Check[] {
  const { header } = contract.index.session;
  return [
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
          const listing = round % 2 === 1;
          const ex = listing
            ? await request(ctx.http, 'get', '/api/me/sessions', {
                label: 'the list, while the session is in use',
                auth: { header: latest },
              })
            : await me(ctx, 'header', latest, 'keep the session in use');
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
          for (const session of listing ? (ex.json as SessionList).sessions : []) {
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
