// The rate limit on login, register and password change, as its headers announce it: cross-cutting,
// since one budget spans both domains' operations. It runs last: exhausting the limit would starve
// every check after it. A server that sends no
// X-RateLimit-Limit enforces no limit the suite can see, and the check skips.
import { randomBytes } from 'node:crypto';
import { type Context, randomName, randomPassword } from '../context.js';
import type { Contract } from '../contract.js';
import { expectError, expectHeader, expectOk, statusName } from '../expect.js';
import { CheckFailed, type Exchange } from '../http.js';
import { changePassword, login, register, type Session } from '../requests.js';
import { type Check, Skipped } from '../runner.js';

/** The largest limit the check spends attempts to exhaust. */
const MAX_ATTEMPTS = 50;

const LIMIT = 'X-RateLimit-Limit';
const REMAINING = 'X-RateLimit-Remaining';
const RESET = 'X-RateLimit-Reset';

/** A header as a non-negative integer, failing when it is absent or not one. */
function count(ex: Exchange, name: string): number {
  const value = ex.headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) {
    throw new CheckFailed(`${ex.label} answered ${ex.status} with ${name} ${JSON.stringify(value)}, expected a whole number`);
  }
  return Number(value);
}

const wrong = () => `wrong-${randomBytes(6).toString('hex')}`;

function wrongPasswordChange(ctx: Context, token: string): Promise<Exchange> {
  return changePassword(ctx, token, wrong(), randomPassword(), 'password change with a wrong current password');
}

/** Fails unless `ex` announces the limit and one attempt fewer left than `before` did. */
function counted(ex: Exchange, limit: number, before: number): number {
  const announced = count(ex, LIMIT);
  if (announced !== limit) throw new CheckFailed(`${ex.label} announced ${LIMIT} ${announced}, login announced ${limit}`);
  const remaining = count(ex, REMAINING);
  count(ex, RESET);
  if (remaining >= before) {
    throw new CheckFailed(
      `${ex.label} announced ${REMAINING} ${remaining} after ${before}: login, register and password change share the limit, each attempt counts one`,
    );
  }
  return remaining;
}

function wrongLogin(ctx: Context, name: string, attempt: number): Promise<Exchange> {
  return login(ctx, { name, password: wrong() }, `login attempt ${attempt} with a wrong password`);
}

export function rateLimitChecks(contract: Contract): Check[] {
  return [
    {
      id: 'ratelimit.headers',
      rules: ['RATE-1'],
      title: `a rate-limited login, register and password change say so in ${LIMIT}, ${REMAINING} and ${RESET}, each attempt counting one, and the attempt after the last allowed one answers ${statusName(contract, 429)} with Retry-After`,
      async run(ctx) {
        // A fresh name per attempt: failures on one name may lock it (RATE-2) before this limit runs out.
        const name = () => randomName('CfRate');
        let ex = await wrongLogin(ctx, name(), 1);
        if (!ex.headers.has(LIMIT)) {
          throw new Skipped(
            `POST /api/login answered without ${LIMIT}: the server enforces no rate limit it announces; to check one, run it with a limit of at most ${MAX_ATTEMPTS} attempts (reference server: AZUMA_AUTH_RATE_LIMIT=5)`,
          );
        }
        const limit = count(ex, LIMIT);
        if (limit < 1) throw new CheckFailed(`${ex.label} announced ${LIMIT} ${limit}: a limit allows at least one attempt`);
        if (limit > MAX_ATTEMPTS) {
          throw new Skipped(
            `the server allows ${limit} attempts per window, more than the ${MAX_ATTEMPTS} this check spends; run it with a lower limit (reference server: AZUMA_AUTH_RATE_LIMIT=5)`,
          );
        }
        // Register and password change spend the same budget and say so too, while it lasts.
        const first = count(ex, REMAINING);
        if (first >= 2) {
          const name = randomName('CfRateReg');
          const registered = await register(ctx, { name, password: randomPassword() }, `register "${name}"`);
          const { token } = expectOk<Session>(registered);
          const afterRegister = counted(registered, limit, first);
          const changed = await wrongPasswordChange(ctx, token);
          expectError(changed, 401, contract);
          counted(changed, limit, afterRegister);
          ex = changed;
        }
        for (let attempt = 1; ; attempt++) {
          expectError(ex, 401, contract);
          const remaining = count(ex, REMAINING);
          count(ex, RESET);
          if (remaining >= limit) {
            throw new CheckFailed(
              `${ex.label} announced ${REMAINING} ${remaining} of ${LIMIT} ${limit}: an attempt counts against the limit`,
            );
          }
          if (remaining === 0) break;
          if (attempt > limit) {
            throw new CheckFailed(
              `${attempt} attempts within ${LIMIT} ${limit} and ${REMAINING} still says ${remaining}: each attempt counts one`,
            );
          }
          const next = await wrongLogin(ctx, name(), attempt + 1);
          if (next.status === 429) {
            throw new CheckFailed(`${next.label} answered 429 while the answer before announced ${REMAINING} ${remaining}`);
          }
          if (next.headers.has(REMAINING) && count(next, REMAINING) >= remaining) {
            throw new CheckFailed(
              `${next.label} announced ${REMAINING} ${count(next, REMAINING)} after ${remaining}: each attempt counts one`,
            );
          }
          ex = next;
        }
        const over = await wrongLogin(ctx, name(), limit + 1);
        if (over.status !== 429) {
          throw new CheckFailed(
            `${over.label} answered ${over.status} after ${REMAINING} reached 0, expected ${statusName(contract, 429)}`,
          );
        }
        expectError(over, 429, contract);
        expectHeader(over, 'Retry-After');
      },
    },
  ];
}
