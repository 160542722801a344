// Authentication, cross-cutting: every secured operation answers 401 in the error shape without a
// live credential, on either channel; a live token works on either; the cookie wins when both are
// live, and a dead cookie does not hide a live header.
import fc from 'fast-check';
import { pathFor, validBody } from '../arbitraries.js';
import type { Context } from '../context.js';
import type { Contract } from '../contract.js';
import { expectError, expectField, expectOk, statusName } from '../expect.js';
import { CheckFailed, type Credentials } from '../http.js';
import { by, CHANNELS, type Channel, getMe, type User } from '../requests.js';
import { type Check, Skipped } from '../runner.js';
import { unknownToken } from '../session-tokens.js';

/** What differs between the two channels: the rule that admits a token on it, and a token of the wrong shape. */
const CHANNEL_FACTS: Record<Channel, { rule: string; malformed: string }> = {
  cookie: { rule: 'AUTH-1', malformed: 'x' },
  header: { rule: 'AUTH-2', malformed: 'not-a-token' },
};

/** Fails unless GET /api/me with `auth` answers the user named `expected`. */
async function expectUserNamed(ctx: Context, auth: Credentials, label: string, expected: string): Promise<void> {
  const ex = await getMe(ctx, auth, label);
  expectField(ex, 'name', expectOk<User>(ex).name, expected);
}

export function authChecks(contract: Contract): Check[] {
  // Every secured operation of the contract, each sent without a live credential.
  const secured = contract.operations.filter((op) => op.security.length > 0);
  const unauthorized = (id: string, title: string, auth: () => Credentials | undefined, label: string): Check => ({
    id,
    title,
    rules: ['AUTH-5'],
    async run(ctx) {
      if (secured.length === 0) throw new Skipped('the contract has no secured operation');
      for (const op of secured) {
        const credentials = auth();
        const ex = await ctx.http.send({
          method: op.method,
          path: pathFor(contract, op, ctx.seed),
          label,
          ...(credentials ? { auth: credentials } : {}),
          ...(op.requestSchema && op.requestValidator
            ? { json: fc.sample(validBody(contract, op.requestSchema, op.requestValidator), { seed: ctx.seed, numRuns: 1 })[0] }
            : {}),
        });
        expectError(ex, 401, contract);
      }
    },
  });

  const perChannel = (channel: Channel): Check[] => [
    unauthorized(
      `auth.bad-${channel}`,
      `every secured operation with an unknown token in the ${channel} answers 401`,
      () => by(channel, unknownToken(contract)),
      `an unknown ${channel} token`,
    ),
    unauthorized(
      `auth.malformed-${channel}`,
      `every secured operation with a ${channel} token of the wrong shape answers 401, not 400 or 500`,
      () => by(channel, CHANNEL_FACTS[channel].malformed),
      `a malformed ${channel} token`,
    ),
    {
      id: `auth.${channel}`,
      rules: [CHANNEL_FACTS[channel].rule],
      title: `GET /api/me with a live token in the ${channel} answers 200 with its user`,
      async run(ctx) {
        const account = await ctx.account('main');
        const { token } = await ctx.login(account, `a session to use by ${channel}`);
        await expectUserNamed(ctx, by(channel, token), `${channel} auth`, account.name);
      },
    },
  ];

  return [
    unauthorized(
      'auth.no-credential',
      `every secured operation without a credential answers ${statusName(contract, 401)}`,
      () => undefined,
      'no credential',
    ),
    ...CHANNELS.flatMap(perChannel),
    {
      id: 'auth.cookie-wins',
      rules: ['AUTH-3'],
      title: "with live tokens of two users in cookie and header, the cookie's user wins",
      async run(ctx) {
        const cookieUser = await ctx.account('main');
        const headerUser = await ctx.account('other');
        const cookie = (await ctx.login(cookieUser, "A's session, for the cookie")).token;
        const header = (await ctx.login(headerUser, "B's session, for the header")).token;
        const ex = await getMe(ctx, { cookie, header }, "A's token in the cookie, B's in the header");
        const user = expectOk<User>(ex);
        if (user.name === headerUser.name)
          throw new CheckFailed(
            "GET /api/me with A's token in the cookie and B's in the header answered B: the header won over the cookie",
          );
        expectField(ex, 'name', user.name, cookieUser.name);
      },
    },
    {
      id: 'auth.dead-cookie-live-header',
      rules: ['AUTH-4'],
      title: 'a dead token in the cookie does not hide a live token in the header',
      async run(ctx) {
        const account = await ctx.account('main');
        const { token } = await ctx.login(account, 'a session to use by header');
        await expectUserNamed(
          ctx,
          { cookie: unknownToken(contract), header: token },
          'an unknown cookie token and a live header token',
          account.name,
        );
      },
    },
  ];
}
