// Where this server's sessions stand against the contract's refresh window, read once per run from
// the `expiration` register answered: inside it, responses hand out successors and rotation can
// be checked; outside it, none may come. A token that already lives to its session's absolute end
// gets no successor either.

import type { Context } from './context.js';
import { CheckFailed } from './http.js';
import { DAY_MS, windowText } from './messages.js';
import { listSessions } from './requests.js';
import { Skipped } from './runner.js';
import { announcedLifetime } from './session-tokens.js';

/** Too close to the window's edge to tell which side a request falls on. */
const EDGE_MS = 5 * 60 * 1000;

export type Window = { inside: boolean; lifetimeMs: number; describe: string };

/** Which side of the window this server's sessions fall on; skips when too close to tell. */
export async function windowOf(ctx: Context): Promise<Window> {
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
