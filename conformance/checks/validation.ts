// Bodies the contract rejects: malformed JSON, the wrong media type, an oversized body, and one
// body per way of breaking each request schema, all answered 4xx in the error shape. A secured
// operation gets a live credential with them: the contract does not say whether a server looks at
// the body or the credential first, so only a bad body must decide the answer.
import fc from 'fast-check';
import { mutations, validBody } from '../arbitraries.js';
import { type Context, expectError, statusName } from '../context.js';
import type { Contract, Operation } from '../contract.js';
import type { Credentials } from '../http.js';
import { type Check, Skipped } from '../runner.js';

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** A live token for a secured operation, nothing for an open one. */
async function credentialFor(ctx: Context, op: Operation): Promise<{ auth?: Credentials }> {
  if (op.security.length === 0) return {};
  return { auth: { header: (await ctx.account('validation')).session.token } };
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
    title: `a request whose headers exceed ${headerLimit} bytes answers ${statusName(contract, 400)}`,
    rules: ['ERROR-3', 'ERROR-1'],
    async run(ctx) {
      // One header a kilobyte past the limit: big enough for any accounting of the rest.
      const padding = 'x'.repeat(headerLimit + 1024);
      // Login documents 400; whatever the route, the server must refuse before reading further.
      const ex = await ctx.http.send({
        method: 'POST',
        path: '/api/login',
        label: `a ${padding.length}-byte header`,
        json: { name: 'header-limit', password: 'header-limit' },
        headers: { 'x-padding': padding },
      });
      expectError(ex, 400, contract);
    },
  });
  return checks;
}
