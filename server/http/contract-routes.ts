import type { LoadedContract } from '@azuma/contract';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { RouteOptions } from 'fastify';
import openapiGlue from 'fastify-openapi-glue';
import fp from 'fastify-plugin';
import type { Handlers } from '../handlers.js';
import { HttpError } from './http-error.js';
import { limitsRedis } from './limits-redis.js';
import { type SchemeCheck, securityPreHandler } from './security.js';

export interface ContractRoutesOptions {
  contract: LoadedContract;
  handlers: Handlers;
  /** One check per security scheme of the contract. */
  checks: Record<string, SchemeCheck>;
  /** AZUMA_AUTH_RATE_LIMIT: attempts per client IP per minute on the operations documenting 429; 0 = off. */
  authRateLimit: number;
  /** AZUMA_REDIS_URL: where every instance counts that limit together; unset, this instance counts alone. */
  redisUrl: string | undefined;
}

/**
 * Every operation of the contract as a route (fastify-openapi-glue: method, path and schemas from
 * openapi.yaml, so requests are validated and responses serialized by the contract), with its
 * handler, its `security`, and the rate limit where the contract documents a 429.
 */
export const contractRoutes = fp<ContractRoutesOptions>(
  async (app, { contract, handlers, checks, authRateLimit, redisUrl }) => {
    await app.register(cookie);
    const counting = authRateLimit > 0;
    const redis = counting && redisUrl ? await limitsRedis(redisUrl, app.log) : undefined;
    if (redis) app.addHook('onClose', async () => redis.disconnect());
    await app.register(rateLimit, {
      global: false,
      max: authRateLimit,
      timeWindow: 60_000,
      // Shared: one count per client across instances. Should Redis fail, the request goes
      // through uncounted rather than failing (limits-redis.ts says why and logs it).
      ...(redis && { redis, nameSpace: 'azuma:auth-limit:', skipOnError: true }),
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, `too many attempts; retry in ${Math.ceil(context.ttl / 1000)} seconds`),
    });
    const limit = counting ? app.rateLimit() : undefined;
    app.decorateRequest('session', null);

    app.addHook('onRoute', jsonOnlyResponses);
    const operations = new Map(contract.operations.map((op) => [op.id, op]));
    await app.register(openapiGlue, {
      specification: contract.document,
      // No securityHandlers for glue: each route gets security.ts's preHandler for its `security`.
      operationResolver: (operationId: string) => {
        const handler = handlers[operationId as keyof Handlers];
        const op = operations.get(operationId);
        if (!handler || !op) throw new Error(`the contract names operation '${operationId}' but no handler implements it`);
        const preHandler = securityPreHandler(op.security, checks);
        const limited = limit && op.responses.has(429);
        // glue spreads this over the route it builds from the contract (method, url, schemas); its
        // typings ask for a complete RouteOptions, and for handlers typed on the generic request.
        return {
          handler,
          ...(preHandler && { preHandler }),
          ...(limited && { onRequest: limit }),
        } as unknown as RouteOptions;
      },
    });
  },
  { name: 'azuma-contract-routes' },
);

const JSON_MEDIA_TYPE = 'application/json';

/**
 * glue hands Fastify each response schema by media type (`{200: {content: {'application/json':
 * {schema}}}}`), so Fastify parses the answer's Content-Type on every reply to pick a serializer.
 * Where JSON is a status's only media type, the schema is given directly,
 * which Fastify uses for the answer whatever its parameters.
 */
export function jsonOnlyResponses(route: RouteOptions): void {
  const responses = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
  if (!responses) return;
  const flat: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(responses)) {
    const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
    const types = content ? Object.keys(content) : [];
    flat[status] =
      types.length === 1 && types[0] === JSON_MEDIA_TYPE && content?.[JSON_MEDIA_TYPE]?.schema ? content[JSON_MEDIA_TYPE].schema : response;
  }
  route.schema = { ...route.schema, response: flat };
}
