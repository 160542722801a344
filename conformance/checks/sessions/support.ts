// What the sessions checks share: live sessions of one account, and a session rotated once.
import type { Account, Context } from '../../context.js';
import { expectOk } from '../../expect.js';
import { short } from '../../messages.js';
import { Skipped } from '../../runner.js';
import { me, successorOf } from '../../session-tokens.js';

/** `n` live sessions of the account (new logins), skipping when the server keeps fewer per user. */
export async function openSessions(ctx: Context, account: Account, n: number, purpose: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 1; i <= n; i++) tokens.push((await ctx.login(account, `session ${i} of ${n}, to ${purpose}`)).token);
  const first = await me(ctx, 'header', tokens[0]!, `the first of ${n} sessions, still live after the others began`);
  if (first.status === 401) {
    throw new Skipped(
      `beginning ${n} sessions of one account ended the first: the server keeps fewer than ${n} per user; run it with more (reference server: AZUMA_SESSIONS_PER_USER, default 20)`,
    );
  }
  expectOk(first);
  return tokens;
}

/** A fresh session rotated once by header: its first token and that token's successor. */
export async function rotated(ctx: Context, account: Account, lifetimeMs: number, purpose: string) {
  const old = (await ctx.login(account, `a fresh session to ${purpose}`)).token;
  const successor = successorOf(ctx, await me(ctx, 'header', old, `rotate ${short(old)}`), 'header', lifetimeMs);
  return { old, successor };
}
