// Liveness and readiness (contract 1.3, Health probes): what a load balancer sees of a healthy instance,
// of one draining before it stops, and of one whose database does not answer.

import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { healthState, PING_TIMEOUT_MS } from '../server/domains/health/service.js';
import { HttpError } from '../server/http/http-error.js';
import { spawnServer } from '../tools/server-process.js';
import { api } from './support/api.js';
import { expectSchema } from './support/contract.js';
import { buildTestApp } from './support/server.js';
import { registerUser } from './support/users.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('health over HTTP', () => {
  it('when the instance is healthy, then live and ready answer 200 {"status":"ok"}, uncached, without credentials', async () => {
    app = await buildTestApp();
    for (const url of ['/api/health/live', '/api/health/ready'] as const) {
      const answer = await api(app).get(url);
      expect(answer.statusCode, url).toBe(200);
      expect(answer.json()).toEqual({ status: 'ok' });
      expectSchema('Health', answer.json());
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('when the instance drains, then ready answers 503 in the error shape with Retry-After, while live and the API serve on', async () => {
    app = await buildTestApp();
    app.startDraining();
    const ready = await api(app).get('/api/health/ready');
    expect(ready.statusCode).toBe(503);
    expectSchema('Error', ready.json());
    expect(ready.json()).toMatchObject({ code: 503, message: ERROR_MESSAGES[503], detail: expect.stringMatching(/draining/) });
    expect(ready.headers['retry-after']).toBe('1');
    expect(ready.headers['cache-control']).toBe('no-store');
    expect((await api(app).get('/api/health/live')).statusCode).toBe(200);
    expect((await api(app).get('/api/')).statusCode).toBe(200);
  });
});

// The database going away, as PostgreSQL can (SQLite in-process cannot), through the function
// readiness asks; the HTTP answer is the one the draining test above sees.
describe('readiness against a store', () => {
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const expect503 = async (promise: Promise<void>, detail: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ statusCode: 503, detail: expect.stringMatching(detail), headers: { 'Retry-After': '1' } });
  };

  it('when the store fails, then 503 "the database is unreachable", and ready again as soon as it answers', async () => {
    let up = false;
    const health = healthState(async () => {
      if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }, warn);
    await expect503(health.ready(), /^the database is unreachable$/);
    expect(warnings.at(-1)).toMatch(/database/);
    up = true;
    await expect(health.ready()).resolves.toBeUndefined();
  });

  it(`when the store hangs, then 503 after ${PING_TIMEOUT_MS} ms instead of a probe that never ends`, async () => {
    const health = healthState(() => new Promise<void>(() => {}), warn);
    await expect503(health.ready(), /^the database is unreachable$/);
  });

  it('when draining, then 503 without asking the store', async () => {
    let asked = 0;
    const health = healthState(async () => {
      asked++;
    }, warn);
    health.startDraining();
    await expect503(health.ready(), /draining/);
    expect(asked).toBe(0);
  });
});

describe('draining as a process', () => {
  it('when sent SIGTERM with AZUMA_DRAIN_SECONDS, then ready turns 503 while requests are still served, and a second signal ends the wait', async () => {
    const server = await spawnServer({ AZUMA_DB: ':memory:', AZUMA_DRAIN_SECONDS: '600' });
    const client = api(server.url);
    try {
      expect((await client.get('/api/health/ready')).status).toBe(200);
      server.child.kill('SIGTERM');
      let ready = 200;
      for (let i = 0; i < 200 && ready === 200; i++) {
        ready = (await client.get('/api/health/ready')).status;
        if (ready === 200) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(ready).toBe(503);
      // Draining is not closing: everything else is still served, so in-flight clients finish.
      expect((await client.get('/api/health/live')).status).toBe(200);
      // registerUser throws unless register answers 200.
      await registerUser(server.url, { name: 'late-comer' });
      expect(server.output()).toMatch(/draining: readiness answers 503 from now on/);
      // Were the 600 s still running, this would time out the test.
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.output()).toMatch(/shutting down: finishing in-flight requests/);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
