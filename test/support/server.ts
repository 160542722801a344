// Builds and runs the real app for tests: a fresh database, cheap scrypt, rate limit and
// per-account lockout off, unless a test says otherwise. The database is SQLite in memory, or,
// in the postgres project (AZUMA_TEST_BACKEND=postgres, see vitest.config.ts), a new PostgreSQL
// database on the cluster that project started.
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../server/app.js';
import { type Config, loadConfig } from '../../server/config.js';
import { openStore } from '../../server/db/open-store.js';
import type { Store } from '../../server/db/store.js';

/** Which engine the apps and stores of this test run stand on. */
export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env.AZUMA_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh, empty database for one app or store: `:memory:`, or a new PostgreSQL database's URL. */
export async function testDatabase(): Promise<string> {
  if (TEST_BACKEND === 'sqlite') return ':memory:';
  // Loaded only here: it reads the cluster from vitest, and this module also serves scripts outside it.
  const { newPostgresDatabase } = await import('./postgres.js');
  return newPostgresDatabase();
}

/** A store on a fresh database of the run's backend, for tests below the HTTP layer. */
export async function testStore(): Promise<Store> {
  return openStore(await testDatabase(), { pool: loadConfig({}).dbPool });
}

/** scrypt at test cost: the real parameters are checked in their own test. */
export const TEST_SCRYPT = { ln: 10, r: 8, p: 1 };

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    dbLocation: ':memory:',
    authRateLimit: 0,
    loginFailuresPerClient: 0,
    loginFailuresPerAccount: 0,
    logLevel: 'silent',
    port: 0,
    ...overrides,
  };
}

/** The app on a fresh database of the run's backend, unless `overrides.dbLocation` names one. */
export async function buildTestApp(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  const dbLocation = overrides.dbLocation ?? (await testDatabase());
  return buildApp(testConfig({ ...overrides, dbLocation }), { scrypt: TEST_SCRYPT, ...options });
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
