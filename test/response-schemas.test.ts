// Answers are serialized by the contract's response schemas, given to Fastify without the media-type
// map where JSON is the only type (server/http/contract-routes.ts, jsonOnlyResponses).
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { jsonOnlyResponses } from '../server/http/contract-routes.js';

const user = { type: 'object', properties: { name: { type: 'string' } } };

async function app(response: Record<string, unknown>) {
  const app = Fastify();
  app.addHook('onRoute', jsonOnlyResponses);
  // A handler that returns more than its schema names: only a schema in use leaves the rest out.
  app.get('/', { schema: { response } }, async () => ({ name: 'ann', passwordHash: 'secret' }));
  await app.ready();
  return app;
}

describe('response schemas given by media type', () => {
  it('when JSON is the only media type, then the answer is serialized by its schema', async () => {
    const server = await app({ 200: { content: { 'application/json': { schema: user } } } });
    const answer = await server.inject({ method: 'GET', url: '/' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.json()).toEqual({ name: 'ann' });
  });

  it('when a status has several media types, then they stay as the contract gives them', async () => {
    const route = { schema: { response: { 200: { content: { 'application/json': { schema: user }, 'text/csv': { schema: {} } } } } } };
    jsonOnlyResponses(route as never);
    expect(route.schema.response[200]).toEqual({ content: { 'application/json': { schema: user }, 'text/csv': { schema: {} } } });
  });

  it('when JSON is the only media type, then the status maps to the schema itself', () => {
    const route = { schema: { response: { 200: { content: { 'application/json': { schema: user } } }, 204: {} } } };
    jsonOnlyResponses(route as never);
    expect(route.schema.response).toEqual({ 200: user, 204: {} });
  });
});
