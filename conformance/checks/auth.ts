// Authentication on the secured operation: 401 in the error shape without a live credential,
// cookie and header auth, and the cookie winning when both are live.
import fc from 'fast-check';
import { pathFor, validBody } from '../arbitraries.js';
import { type Context, expectError, expectOk, statusName, type User } from '../context.js';
import type { Contract } from '../contract.js';
import { CheckFailed, type Credentials } from '../http.js';
import { type Check, Skipped } from '../runner.js';

/** A token of the contract's shape that no server issued. */
export function unknownToken(contract: Contract): string {
  return fc.sample(fc.stringMatching(contract.index.session.tokenPattern), 1)[0]!;
}

function me(ctx: Context, auth: Credentials, label: string) {
  return ctx.http.send({ method: 'GET', path: '/api/me', label, auth });
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

  const expectUser = async (ctx: Context, auth: Credentials, label: string, expected: string) => {
    const user = expectOk<User>(await me(ctx, auth, label));
    if (user.name !== expected)
      throw new CheckFailed(`GET /api/me (${label}) answered user ${JSON.stringify(user.name)}, expected ${JSON.stringify(expected)}`);
  };

  return [
    unauthorized(
      'auth.no-credential',
      `every secured operation without a credential answers ${statusName(contract, 401)}`,
      () => undefined,
      'no credential',
    ),
    unauthorized(
      'auth.bad-cookie',
      'every secured operation with an unknown token in the cookie answers 401',
      () => ({ cookie: unknownToken(contract) }),
      'an unknown cookie token',
    ),
    unauthorized(
      'auth.bad-header',
      'every secured operation with an unknown token in the header answers 401',
      () => ({ header: unknownToken(contract) }),
      'an unknown header token',
    ),
    unauthorized(
      'auth.malformed-header',
      'every secured operation with a header token of the wrong shape answers 401, not 400 or 500',
      () => ({ header: 'not-a-token' }),
      'a malformed header token',
    ),
    unauthorized(
      'auth.malformed-cookie',
      'every secured operation with a cookie token of the wrong shape answers 401, not 400 or 500',
      () => ({ cookie: 'x' }),
      'a malformed cookie token',
    ),
    {
      id: 'auth.cookie',
      rules: ['AUTH-1'],
      title: 'GET /api/me with a live token in the cookie answers 200 with its user',
      async run(ctx) {
        const account = await ctx.account('main');
        await expectUser(ctx, { cookie: account.session.token }, 'cookie auth', account.name);
      },
    },
    {
      id: 'auth.header',
      rules: ['AUTH-2'],
      title: 'GET /api/me with a live token in the header answers 200 with its user',
      async run(ctx) {
        const account = await ctx.account('main');
        await expectUser(ctx, { header: account.session.token }, 'header auth', account.name);
      },
    },
    {
      id: 'auth.cookie-wins',
      rules: ['AUTH-3'],
      title: "with live tokens of two users in cookie and header, the cookie's user wins",
      async run(ctx) {
        const cookieUser = await ctx.account('main');
        const headerUser = await ctx.account('other');
        const user = expectOk<User>(
          await me(
            ctx,
            { cookie: cookieUser.session.token, header: headerUser.session.token },
            "A's token in the cookie, B's in the header",
          ),
        );
        if (user.name === headerUser.name)
          throw new CheckFailed(
            "GET /api/me with A's token in the cookie and B's in the header answered B: the header won over the cookie",
          );
        if (user.name !== cookieUser.name)
          throw new CheckFailed(`GET /api/me answered ${JSON.stringify(user.name)}, expected the cookie's user`);
      },
    },
    {
      id: 'auth.dead-cookie-live-header',
      rules: ['AUTH-4'],
      title: 'a dead token in the cookie does not hide a live token in the header',
      async run(ctx) {
        const account = await ctx.account('main');
        await expectUser(
          ctx,
          { cookie: unknownToken(contract), header: account.session.token },
          'an unknown cookie token and a live header token',
          account.name,
        );
      },
    },
  ];
}
