// Builds and runs the real app for tests: in-memory database, cheap scrypt, rate limit and
// per-account lockout off, unless a test says otherwise.
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../server/app.js';
import { type Config, loadConfig } from '../../server/config.js';

/** scrypt at test cost: the real parameters are checked in their own test. */
export const TEST_SCRYPT = { ln: 10, r: 8, p: 1 };

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    dbPath: ':memory:',
    authRateLimit: 0,
    loginFailuresPerClient: 0,
    loginFailuresPerAccount: 0,
    logLevel: 'silent',
    port: 0,
    ...overrides,
  };
}

export async function buildTestApp(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  return buildApp(testConfig(overrides), { scrypt: TEST_SCRYPT, ...options });
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The app listening on 127.0.0.1 at a free port, for tests over a real socket. */
export async function startServer(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<RunningServer> {
  const app = await buildTestApp(overrides, options);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, close: () => app.close() };
}

/** A clock tests can move forward. */
export function manualClock(start = Date.now()) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}
