// Validation, cross-cutting (every operation that takes a body): bodies the contract rejects: malformed JSON, the wrong media type, an oversized body, and one
// body per way of breaking each request schema, all answered 4xx in the error shape. A secured
// operation gets a live credential with them: the contract does not say whether a server looks at
// the body or the credential first, so only a bad body must decide the answer.
import fc from 'fast-check';
import { mutations, pathFor, validBody } from '../arbitraries.js';
import type { Context } from '../context.js';
import type { Contract, Operation } from '../contract.js';
import { expectConforms, expectEach, expectError, expectField, expectOk, statusName } from '../expect.js';
import type { Credentials } from '../http.js';
import { type User, updateMe } from '../requests.js';
import { type Check, Skipped } from '../runner.js';

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** A live token for a secured operation, nothing for an open one. */
async function credentialFor(ctx: Context, op: Operation): Promise<{ auth?: Credentials }> {
  if (op.security.length === 0) return {};
  return { auth: { header: (await ctx.login(await ctx.account('validation'), `a session for ${op.id}`)).token } };
}

export function validationChecks(contract: Contract): Check[] {
  // Comfortably over the contract's body limit.
  const limit = contract.index.limits.requestBodyLimitBytes;
  const oversized = limit + Math.max(1024, limit / 4);
  const withBodies = contract.operations.filter((op) => op.requestSchema && op.requestValidator);
  const checks: Check[] = [];
  for (const op of withBodies) {
    const send = async (ctx: Context, label: string, body: string, contentType: string) =>
      ctx.http.send({ method: op.method, path: op.path, label, body, contentType, ...(await credentialFor(ctx, op)) });
    checks.push(
      {
        id: `validation.${op.id}.malformed-json`,
        rules: ['ERROR-2', 'ERROR-1'],
        title: `${op.method} ${op.path} with malformed JSON answers ${statusName(contract, 400)}`,
        async run(ctx) {
          expectError(await send(ctx, 'malformed JSON', '{"name": "x", "password": ', 'application/json'), 400, contract);
        },
      },
      {
        id: `validation.${op.id}.empty-body`,
        rules: ['ERROR-2'],
        title: `${op.method} ${op.path} with an empty JSON body answers ${statusName(contract, 400)}`,
        async run(ctx) {
          expectError(await send(ctx, 'an empty body', '', 'application/json'), 400, contract);
        },
      },
      {
        id: `validation.${op.id}.media-type`,
        rules: ['ERROR-6'],
        title: `${op.method} ${op.path} with a text/plain body answers ${statusName(contract, 415)}`,
        async run(ctx) {
          expectError(await send(ctx, 'a text/plain body', 'name=x&password=y', 'text/plain'), 415, contract);
        },
      },
      {
        id: `validation.${op.id}.too-large`,
        rules: ['ERROR-5'],
        title: `${op.method} ${op.path} with a body over ${limit} bytes answers ${statusName(contract, 413)}`,
        async run(ctx) {
          const body = JSON.stringify({ name: 'x', password: 'p'.repeat(oversized) });
          expectError(await send(ctx, `a ${body.length}-byte body`, body, 'application/json'), 413, contract);
        },
      },
      {
        id: `validation.${op.id}.lone-surrogate`,
        rules: ['ERROR-2'],
        title: `${op.method} ${op.path} with a lone UTF-16 surrogate in a string field answers ${statusName(contract, 400)}`,
        async run(ctx) {
          const [body] = fc.sample(validBody(contract, op.requestSchema!, op.requestValidator!), { seed: ctx.seed, numRuns: 1 });
          const field = Object.entries(body as Record<string, unknown>).find(([, value]) => typeof value === 'string')?.[0];
          if (!field) throw new Skipped(`a generated ${op.id} body has no string field`);
          // JSON.stringify writes a lone surrogate as the escape `\ud800`: valid JSON, but not Unicode text.
          const text = JSON.stringify({ ...(body as Record<string, unknown>), [field]: 'pw-\ud800-lone' });
          expectError(await send(ctx, `a lone surrogate in ${field}`, text, 'application/json'), 400, contract);
        },
      },
      {
        id: `validation.${op.id}.schema`,
        rules: ['ERROR-2', ...op.requestRules],
        title: `${op.method} ${op.path} with a body breaking its schema (each kind of break once) answers ${statusName(contract, 400)}`,
        async run(ctx) {
          for (const [index, mutation] of mutations(contract, op.requestSchema!, op.requestValidator!).entries()) {
            const [body] = fc.sample(mutation.arbitrary, { seed: ctx.seed + index, numRuns: 1 });
            const ex = await ctx.http.send({
              method: op.method,
              path: op.path,
              label: `${mutation.why}: ${shorten(JSON.stringify(body))}`,
              json: body,
              ...(await credentialFor(ctx, op)),
            });
            expectError(ex, 400, contract);
          }
        },
      },
    );
  }
  const headerLimit = contract.index.limits.requestHeaderLimitBytes;
  checks.push({
    id: 'validation.header-too-large',
    title: `every operation answers a request whose headers exceed ${headerLimit} bytes with ${statusName(contract, 400)}, which it documents`,
    rules: ['ERROR-3', 'ERROR-1', 'WIRE-1'],
    async run(ctx) {
      // One header a kilobyte past the limit: big enough for any accounting of the rest.
      const padding = 'x'.repeat(headerLimit + 1024);
      await expectEach(contract.operations, async (op) => {
        // A request the operation would otherwise take (a valid body, no credential): only the
        // header's size can decide the answer, and nothing is changed when a server ignores it.
        const body =
          op.requestSchema && op.requestValidator
            ? fc.sample(validBody(contract, op.requestSchema, op.requestValidator), { seed: ctx.seed, numRuns: 1 })[0]
            : undefined;
        const ex = await ctx.http.send({
          method: op.method,
          path: pathFor(contract, op, ctx.seed),
          label: `a ${padding.length}-byte header`,
          ...(body !== undefined ? { json: body } : {}),
          headers: { 'x-padding': padding },
        });
        expectError(ex, 400, contract);
      });
    },
  });
  // Operations that take no body but a method that may carry one: a body sent anyway must still
  // get an answer the operation documents, in the error shape when it is refused.
  const limitPadding = 'p'.repeat(oversized);
  const strayBodies: { label: string; body: string; contentType: string }[] = [
    { label: 'a stray JSON body', body: '{"stray": true}', contentType: 'application/json' },
    { label: 'a stray malformed JSON body', body: '{"stray": ', contentType: 'application/json' },
    { label: 'a stray empty JSON body', body: '', contentType: 'application/json' },
    { label: 'a stray text/plain body', body: 'stray=true', contentType: 'text/plain' },
    { label: `a stray body over ${limit} bytes`, body: JSON.stringify({ stray: limitPadding }), contentType: 'application/json' },
  ];
  const bodiless = contract.operations.filter((op) => !op.requestSchema && !['GET', 'HEAD'].includes(op.method));
  for (const op of bodiless) {
    checks.push({
      id: `validation.${op.id}.stray-body`,
      rules: ['WIRE-1', 'ERROR-1'],
      title: `${op.method} ${op.path}, which takes no body, answers a status it documents to one sent anyway`,
      async run(ctx) {
        const account = await ctx.account(`stray-${op.id}`);
        await expectEach(strayBodies, async (stray) => {
          // A session of its own each time: a server that ignores the body may end the session.
          const session = await ctx.login(account, `a session for ${stray.label}`);
          const ex = await ctx.http.send({
            method: op.method,
            path: pathFor(contract, op, ctx.seed),
            label: stray.label,
            body: stray.body,
            contentType: stray.contentType,
            ...(op.security.length > 0 ? { auth: { header: session.token } } : {}),
          });
          if (ex.status >= 400) expectError(ex, ex.status, contract);
          else expectConforms(ex);
        });
      },
    });
  }
  checks.push(iconCheck(contract));
  return checks;
}

/** Icons the rule refuses though they start like one: RFC 9110 gives every https URI a host and no credentials. */
const BAD_ICONS: readonly [string, string][] = [
  ['https://', 'nothing after the scheme'],
  ['https:///icons/a.png', 'no host'],
  ['https://:443/icons/a.png', 'a port but no host'],
  ['https://user:secret@example.org/icons/a.png', 'credentials'],
  ['https://@example.org/icons/a.png', 'an empty user'],
  ['HTTPS://example.org/icons/a.png', 'an upper-case scheme'],
  ['http://example.org/icons/a.png', 'http'],
  ['https://example.org/icons/a b.png', 'a space'],
];
const GOOD_ICONS = ['https://example.org/icons/a.png', 'https://[2001:db8::1]:8443/a.png?size=64#top'];

function iconCheck(contract: Contract): Check {
  return {
    id: 'validation.updateMe.icon-url',
    rules: ['ACCOUNT-7'],
    title: `PATCH /api/me refuses an icon that is not an https URL with a host and no credentials with ${statusName(contract, 400)}, and keeps one that is`,
    async run(ctx) {
      const { token } = await ctx.login(await ctx.account('icon'), 'a session to set icons with');
      await expectEach(BAD_ICONS, async ([icon, why]) => {
        expectError(await updateMe(ctx, token, { icon }, `icon ${JSON.stringify(icon)}, ${why}`), 400, contract);
      });
      for (const icon of GOOD_ICONS) {
        const ex = await updateMe(ctx, token, { icon }, `icon ${JSON.stringify(icon)}`);
        expectField(ex, 'icon', expectOk<User>(ex).icon, icon);
      }
    },
  };
}
