// Property-based fuzzing from the contract with fast-check: bodies generated from each request
// schema (valid ones must be served, invalid ones rejected with 400), random credentials (401),
// and afterwards the accounts made before the fuzzing must still log in.

import { prepareName } from '@azuma/contract/names';
import fc from 'fast-check';
import { extremeNestings, invalidBody, nestedBody, nestedText, pathFor, validBody } from '../arbitraries.js';
import { isCommonPassword } from '../common-passwords.js';
import type { Account, Context } from '../context.js';
import type { Contract, Operation } from '../contract.js';
import { expectConforms, expectError, expectOk, expectSession, expectStatus, expectUser, statusName } from '../expect.js';
import { CheckFailed } from '../http.js';
import { by, type Channel, getMe, login as logIn, type Session } from '../requests.js';
import { type Check, Skipped } from '../runner.js';

/**
 * Cases that make the server hash a password cost it far more than rejected ones, so properties
 * whose cases are mostly valid credentials run a quarter of `--runs`.
 */
const HASHING_SHARE = 4;

/** Runs a property with the run's seed; a failure names the counterexample and how to rerun it. */
async function property<T>(
  ctx: Context,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  runs: number,
  shrink: boolean,
  /** Cases tried first, whatever the seed, before `runs` generated ones. */
  examples: T[] = [],
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), {
    seed: ctx.seed,
    numRuns: runs,
    endOnFailure: !shrink,
    examples: examples.map((example) => [example]),
  });
  if (!details.failed) return;
  const error = details.errorInstance;
  const cause =
    error instanceof CheckFailed ? error.message : `the suite itself failed: ${error instanceof Error ? error.stack : String(error)}`;
  // Generated values are JSON bodies and tokens: JSON shows them as they went over the wire.
  const [value] = details.counterexample ?? [];
  const tried = `${details.numRuns} run${details.numRuns === 1 ? '' : 's'}`;
  throw new CheckFailed(`${cause} — counterexample ${JSON.stringify(value)} after ${tried}; reproduce with --seed ${details.seed}`);
}

/** Whether the body's name (if any) keeps the name rules of § Accounts beyond the schema. */
function admitsName(body: unknown): boolean {
  const name = typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined;
  return typeof name !== 'string' || prepareName(name).ok;
}

function bodyOperation(contract: Contract, id: string): Operation & Required<Pick<Operation, 'requestSchema' | 'requestValidator'>> {
  const op = contract.operations.find((o) => o.id === id);
  if (!op?.requestSchema || !op.requestValidator) throw new Error(`openapi.yaml has no operation ${id} with a JSON request body`);
  return op as Operation & Required<Pick<Operation, 'requestSchema' | 'requestValidator'>>;
}

export function fuzzChecks(contract: Contract): Check[] {
  const register = bodyOperation(contract, 'registerUser');
  const login = bodyOperation(contract, 'loginUser');
  const hashingRuns = (ctx: Context) => Math.max(1, Math.ceil(ctx.runs / HASHING_SHARE));

  const invalid = (op: typeof register): Check => ({
    id: `fuzz.${op.id}.invalid`,
    rules: ['ERROR-2', ...op.requestRules],
    title: `${op.method} ${op.path}: generated bodies that break its schema answer ${statusName(contract, 400)}`,
    async run(ctx) {
      await property(
        ctx,
        invalidBody(contract, op.requestSchema, op.requestValidator),
        async ({ body, why }) => {
          const ex = await ctx.http.send({ method: op.method, path: op.path, label: `fuzz: ${why}`, json: body });
          expectError(ex, 400, contract);
        },
        ctx.runs,
        true,
      );
    },
  });

  const limit = contract.index.limits.requestBodyLimitBytes;
  /**
   * Every operation a body can be sent to (fetch sends none with GET or HEAD), whether it takes
   * one or not: bodies nested deep or spread wide, within the body limit, answer 400 where a body
   * is read and the operation's usual answer where none is, never a 5xx.
   */
  const nesting = (op: Operation): Check => ({
    id: `fuzz.${op.id}.nesting`,
    rules: op.requestSchema ? ['ERROR-7', 'ERROR-2'] : ['ERROR-7'],
    title: `${op.method} ${op.path}: bodies nested deep or spread wide within ${limit} bytes answer ${
      op.requestSchema ? statusName(contract, 400) : 'as without them'
    }, never a 5xx`,
    async run(ctx) {
      const account = await ctx.account('nesting');
      let token = (await ctx.login(account, 'a session to send nested bodies with')).token;
      // Ending the session it is sent with is what logout does: the next case gets a new one.
      const relogin = async (who: Account) => {
        token = (await ctx.login(who, 'log in again after the session ended')).token;
      };
      const fields = Object.keys(op.requestSchema ? (contract.resolve(op.requestSchema).properties ?? {}) : {});
      const endsSession = op.id === 'logoutUser';
      await property(
        ctx,
        nestedBody(limit, fields),
        async (plan) => {
          const ex = await ctx.http.send({
            method: op.method,
            path: pathFor(contract, op, ctx.seed),
            label: `fuzz: a ${plan.shape} body of ${plan.count} × ${plan.unit}${plan.field ? ` in ${plan.field}` : ''}`,
            body: nestedText(plan),
            contentType: 'application/json',
            ...(op.security.length > 0 ? { auth: { header: token } } : {}),
          });
          if (ex.status >= 500) throw new CheckFailed(`${ex.label} answered ${ex.status}: ${ex.text.slice(0, 120)}`);
          if (op.requestSchema) expectError(ex, 400, contract);
          else expectConforms(ex);
          if (endsSession && ex.status < 300) await relogin(account);
        },
        endsSession ? hashingRuns(ctx) : ctx.runs,
        false,
        // Whatever the seed, the deepest body of each kind, and the widest, are sent.
        extremeNestings(limit, fields),
      );
    },
  });
  const takingBodies = contract.operations.filter((op) => op.method !== 'GET' && op.method !== 'HEAD');

  return [
    ...takingBodies.map(nesting),
    {
      id: 'fuzz.registerUser.valid',
      rules: ['ACCOUNT-1', 'ACCOUNT-3', 'ACCOUNT-4'],
      title: 'POST /api/register: generated valid bodies answer 200 (or 409 for a taken name) and then log in',
      async run(ctx) {
        // Accounts made before the fuzzing, for fuzz.accounts-survive.
        await ctx.account('main');
        await ctx.account('survivor');
        await property(
          ctx,
          // The schema admits the common passwords the contract refuses in prose, and names the rules
          // of § Accounts refuse (RFC 8265, which no JSON Schema can say): never generate either.
          validBody(contract, register.requestSchema, register.requestValidator).filter(
            (body) => admitsName(body) && !isCommonPassword((body as { password: string }).password),
          ),
          async (body) => {
            const ex = await ctx.http.send({ method: 'POST', path: register.path, label: 'fuzz: a valid body', json: body });
            expectStatus(ex, 200, 409);
            expectConforms(ex);
            if (ex.status !== 200) return;
            const session = ex.json as Session;
            const again = await ctx.http.send({
              method: 'POST',
              path: login.path,
              label: 'fuzz: log in with the body just registered',
              json: body,
            });
            expectUser(again, 'userid', expectOk<Session>(again).userid, session.userid);
          },
          hashingRuns(ctx),
          false,
        );
      },
    },
    invalid(register),
    {
      id: 'fuzz.loginUser.valid',
      rules: ['ACCOUNT-3', 'ACCOUNT-5'],
      title: 'POST /api/login: generated valid bodies answer 200 or 401 (429 once a name has failed too often), never anything else',
      async run(ctx) {
        await property(
          ctx,
          validBody(contract, login.requestSchema, login.requestValidator),
          async (body) => {
            const ex = await ctx.http.send({ method: 'POST', path: login.path, label: 'fuzz: a valid body', json: body });
            // Generated names repeat (`a`, ` `…), and each try is a failed sign-in on that name:
            // enough of them lock it (RATE-2), which the contract allows.
            expectStatus(ex, 200, 401, 429);
            expectConforms(ex);
          },
          hashingRuns(ctx),
          false,
        );
      },
    },
    invalid(login),
    {
      id: 'fuzz.getMe.tokens',
      rules: ['AUTH-5'],
      title: 'GET /api/me: generated tokens nobody was issued answer 401, by cookie and by header',
      async run(ctx) {
        const token = fc.oneof(
          // Tokens of the documented shape, which nobody was issued.
          fc.stringMatching(contract.index.session.tokenPattern),
          // Visible ASCII without the characters that would end a cookie value.
          fc.string({ minLength: 1, maxLength: 100, unit: fc.constantFrom(...'ABCXYZabcxyz0189!#$%&*+-.^_`|~:/=?@[]{}()<>"\'') }),
        );
        await property(
          ctx,
          fc.tuple(token, fc.constantFrom<Channel>('cookie', 'header')),
          async ([value, channel]) => {
            expectError(await getMe(ctx, by(channel, value), `fuzz: token ${JSON.stringify(value)} by ${channel}`), 401, contract);
          },
          ctx.runs,
          true,
        );
      },
    },
    {
      id: 'fuzz.accounts-survive',
      rules: ['ACCOUNT-1'],
      title: 'after the fuzzing, every account the run made before it still logs in as itself',
      async run(ctx) {
        const accounts = await ctx.accounts();
        if (accounts.length === 0) throw new Skipped('no account was made before the fuzzing');
        for (const account of accounts) {
          const ex = await logIn(ctx, account, `log in as "${account.name}" after the fuzzing`);
          expectUser(ex, 'userid', expectSession(ex).userid, account.session.userid);
        }
      },
    },
  ];
}
