// The auth rate limit across instances: with AZUMA_REDIS_URL every instance counts one client
// together in Redis; without it each counts its own; with Redis gone the API keeps answering.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';
import { type RedisServer, startRedis } from '../tools/redis-server.js';
import { api } from './support/api.js';
import { expectSchema } from './support/contract.js';
import { buildTestApp } from './support/server.js';
import { servicesEnabled } from './support/services.js';

const LIMIT = 4;
let apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

const login = (app: FastifyInstance, remoteAddress: string) =>
  api(app).post('/api/login', { body: { name: 'nobody', password: 'whatever' }, remoteAddress });

/** Two instances, each with its own database, as behind a load balancer. */
async function twoInstances(redisUrl: string | undefined) {
  apps = await Promise.all([1, 2].map(() => buildTestApp({ authRateLimit: LIMIT, redisUrl })));
  return apps as [FastifyInstance, FastifyInstance];
}

describe('AZUMA_REDIS_URL', () => {
  it('when it is not a redis:// or rediss:// URL, then start-up stops naming it (and not its value, which may hold a password)', () => {
    for (const bad of ['localhost:6379', 'http://127.0.0.1:6379', 'redis://']) {
      expect(() => loadConfig({ AZUMA_REDIS_URL: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ AZUMA_REDIS_URL: bad })).toThrow(/^AZUMA_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    }
    expect(loadConfig({ AZUMA_REDIS_URL: 'rediss://:secret@cache.internal:6380/2' }).redisUrl).toBe(
      'rediss://:secret@cache.internal:6380/2',
    );
    expect(loadConfig({}).redisUrl).toBeUndefined();
  });

  it('when it is unset, then each instance counts a client on its own', async () => {
    const [a, b] = await twoInstances(undefined);
    for (let i = 0; i < LIMIT; i++) expect((await login(i % 2 ? b : a, '10.1.0.1')).statusCode).toBe(401);
    // Each has seen half the limit: neither refuses.
    expect((await login(a, '10.1.0.1')).statusCode).toBe(401);
    expect((await login(b, '10.1.0.1')).statusCode).toBe(401);
  });
});

describe.runIf(servicesEnabled('redis'))('auth rate limit shared through Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('when a client spreads its attempts over two instances, then it is limited once it has made the limit in all', async () => {
    const [a, b] = await twoInstances(redis.url);
    for (let i = 0; i < LIMIT; i++) expect((await login(i % 2 ? b : a, '10.2.0.1')).statusCode).toBe(401);
    for (const app of [a, b]) {
      const limited = await login(app, '10.2.0.1');
      expect(limited.statusCode).toBe(429);
      expectSchema('Error', limited.json());
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another client still has its whole budget, on either instance.
    expect((await login(b, '10.2.0.2')).statusCode).toBe(401);
  });

  it('when Redis is gone, then the API answers as without a limit instead of failing, and counts again once Redis is back', async () => {
    const [a] = await twoInstances(redis.url);
    expect((await login(a, '10.3.0.1')).statusCode).toBe(401);
    await redis.stop();
    for (let i = 0; i < LIMIT + 2; i++) {
      const answer = await login(a, '10.3.0.1');
      expect(answer.statusCode).toBe(401);
      expectSchema('Error', answer.json());
    }
    // Back where the instance looks for it (empty: nothing persisted): it reconnects on its own,
    // and the next LIMIT attempts after that are all the client gets.
    redis = await startRedis({ port: redis.port });
    let status = 401;
    for (let i = 0; i < 100 && status === 401; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await login(a, '10.3.0.1')).statusCode;
    }
    expect(status).toBe(429);
  });
});
