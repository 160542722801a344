// Bodies the contract rejects: malformed JSON, the wrong media type, an oversized body, and one
// body per way of breaking each request schema, all answered 4xx in the error shape.
import fc from 'fast-check';
import { mutations } from '../arbitraries.js';
import type { Contract } from '../contract.js';
import { expectError } from '../context.js';
import type { Check } from '../runner.js';

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** The contract's body limit is 16 KiB; this is comfortably over it. */
const OVERSIZED_BYTES = 20 * 1024;

export function validationChecks(contract: Contract): Check[] {
  const withBodies = contract.operations.filter((op) => op.requestSchema && op.requestValidator);
  const checks: Check[] = [];
  for (const op of withBodies) {
    const send = (ctx: Parameters<Check['run']>[0], label: string, body: string, contentType: string) =>
      ctx.http.send({ method: op.method, path: op.path, label, body, contentType });
    checks.push(
      {
        id: `validation.${op.id}.malformed-json`,
        title: `${op.method} ${op.path} with malformed JSON answers 400 BAD_REQUEST`,
        async run(ctx) {
          expectError(await send(ctx, 'malformed JSON', '{"name": "x", "password": ', 'application/json'), 400, contract);
        },
      },
      {
        id: `validation.${op.id}.empty-body`,
        title: `${op.method} ${op.path} with an empty JSON body answers 400 BAD_REQUEST`,
        async run(ctx) {
          expectError(await send(ctx, 'an empty body', '', 'application/json'), 400, contract);
        },
      },
      {
        id: `validation.${op.id}.media-type`,
        title: `${op.method} ${op.path} with a text/plain body answers 415 UNSUPPORTED_MEDIA_TYPE`,
        async run(ctx) {
          expectError(await send(ctx, 'a text/plain body', 'name=x&password=y', 'text/plain'), 415, contract);
        },
      },
      {
        id: `validation.${op.id}.too-large`,
        title: `${op.method} ${op.path} with a body over 16 KiB answers 413 PAYLOAD_TOO_LARGE`,
        async run(ctx) {
          const body = JSON.stringify({ name: 'x', password: 'p'.repeat(OVERSIZED_BYTES) });
          expectError(await send(ctx, `a ${body.length}-byte body`, body, 'application/json'), 413, contract);
        },
      },
      {
        id: `validation.${op.id}.schema`,
        title: `${op.method} ${op.path} with a body breaking its schema (each kind of break once) answers 400 BAD_REQUEST`,
        async run(ctx) {
          for (const [index, mutation] of mutations(contract, op.requestSchema!, op.requestValidator!).entries()) {
            const [body] = fc.sample(mutation.arbitrary, { seed: ctx.seed + index, numRuns: 1 });
            const ex = await ctx.http.send({ method: op.method, path: op.path, label: `${mutation.why}: ${shorten(JSON.stringify(body))}`, json: body });
            expectError(ex, 400, contract);
          }
        },
      },
    );
  }
  return checks;
}
