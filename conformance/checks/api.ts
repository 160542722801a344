// The API itself (the contract's API tag) and what holds across every operation: the server is
// there, tells its version, answers every documented operation with a documented status, and
// answers unknown routes in the error shape.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { pathFor, validBody } from '../arbitraries.js';
import type { Contract } from '../contract.js';
import { expectConforms, expectError, expectField, expectOk, statusName } from '../expect.js';
import type { Credentials } from '../http.js';
import { by, request } from '../requests.js';
import type { Check } from '../runner.js';

export function apiChecks(contract: Contract): Check[] {
  return [
    {
      id: 'server.reachable',
      rules: [],
      title: 'the server answers HTTP at the base URL',
      async run(ctx) {
        await request(ctx.http, 'get', '/api/', { label: 'is anyone there' });
      },
    },
    {
      id: 'api.version',
      rules: ['API-1'],
      title: `GET /api/ answers 200 {"version": "${contract.version}"}, the contract's info.version`,
      async run(ctx) {
        const ex = await request(ctx.http, 'get', '/api/', { label: 'the API version' });
        expectField(ex, 'version', expectOk<{ version: string }>(ex).version, contract.version);
      },
    },
    // One check per documented operation, with a request built from the contract alone: a body
    // generated from its request schema and, when secured, a credential for its first scheme.
    ...contract.operations.map(
      (op): Check => ({
        id: `operations.${op.id}`,
        rules: ['WIRE-1'],
        title: `${op.method} ${op.path} answers a documented status to a request built from the contract`,
        async run(ctx) {
          const body =
            op.requestSchema && op.requestValidator
              ? fc.sample(validBody(contract, op.requestSchema, op.requestValidator), { seed: ctx.seed, numRuns: 1 })[0]
              : undefined;
          let auth: Credentials | undefined;
          const scheme = op.security[0]?.[0];
          if (scheme) {
            const { token } = await ctx.login(await ctx.account('operations'), `a session for ${op.id}`);
            auth = by(scheme.in === 'cookie' ? 'cookie' : 'header', token);
          }
          const ex = await ctx.http.send({
            method: op.method,
            path: pathFor(contract, op, ctx.seed),
            label: `${op.id} built from the contract`,
            ...(body !== undefined ? { json: body } : {}),
            ...(auth ? { auth } : {}),
          });
          expectConforms(ex);
        },
      }),
    ),
    {
      id: 'routing.unknown-route',
      rules: ['ERROR-4', 'ERROR-1'],
      title: `an unknown route or method answers ${statusName(contract, 404)} in the error shape`,
      async run(ctx) {
        const path = `/api/no-such-route-${randomBytes(4).toString('hex')}`;
        // Off the contract on purpose, so sent untyped.
        expectError(await ctx.http.send({ method: 'GET', path, label: 'an unknown route' }), 404, contract);
        expectError(await ctx.http.send({ method: 'DELETE', path: '/api/me', label: 'a method /api/me does not have' }), 404, contract);
      },
    },
  ];
}
