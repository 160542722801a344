// PostgreSQL going away under a running server, on a cluster of this file's own (stopping the
// shared one would pull it from under every other test): requests answer 503 in the error shape,
// quickly and without crashing, and full service returns with the database, the server untouched.

import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../../server/db/postgres/store.js';
import { StoreUnavailableError } from '../../server/db/store.js';
import { type PostgresCluster, startPostgres } from '../../tools/postgres-cluster.js';
import { type ServerProcess, spawnServer } from '../../tools/server-process.js';
import { api } from '../support/api.js';
import { responseErrors, responseHeaderErrors } from '../support/contract.js';
import { PASSWORD, registerUser } from '../support/users.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(() => cluster?.stop());

describe('while PostgreSQL is down', () => {
  it('when the database stops, then the store rejects as unavailable, and answers again once it is back', async () => {
    const store = await postgresStore(await cluster.createDatabase('store'), { pool: 2 });
    try {
      await store.users.insert({
        id: 'u1',
        name: 'kept',
        nameKey: 'kept',
        nameSkeleton: 'kept',
        nameSkeletonWritten: 'kept',
        passwordHash: 'h',
        createdAt: 1,
      });
      await cluster.stopServer();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.users.findById('u1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.sessions.deleteExpired(Date.now(), 10)).rejects.toBeInstanceOf(StoreUnavailableError);
      await cluster.startServer();
      await store.ping();
      expect((await store.users.findById('u1'))?.name).toBe('kept');
    } finally {
      await cluster.startServer();
      await store.close();
    }
  });

  it('when the database refuses connections, then every step fails as unavailable at once, not after the step timeout', async () => {
    // A step timeout far past the test's own: a step that waited for it could not pass.
    const store = await postgresStore(await cluster.createDatabase('refused'), { pool: 2, stepTimeoutMs: 3_600_000 });
    try {
      await store.users.insert({
        id: 'u1',
        name: 'kept',
        nameKey: 'kept',
        nameSkeleton: 'kept',
        nameSkeletonWritten: 'kept',
        passwordHash: 'h',
        createdAt: 1,
      });
      await cluster.stopServer();
      // Many rounds, some of them several steps at once: a driver that backs off between
      // reconnects (for seconds, growing with each refusal) keeps later ones waiting.
      for (let round = 0; round < 20; round++) {
        const steps = await Promise.allSettled(Array.from({ length: 1 + (round % 3) }, () => store.users.findById('u1')));
        for (const step of steps) {
          expect(step.status).toBe('rejected');
          expect((step as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
        }
      }
      await cluster.startServer();
      expect((await store.users.findById('u1'))?.name).toBe('kept');
    } finally {
      await cluster.startServer();
      await store.close();
    }
  });

  it('when the database of a running server stops, then requests answer 503 with Retry-After, and serve again once it is back', async () => {
    let server: ServerProcess | undefined;
    try {
      // The real entry point, as `AZUMA_DB=postgres://… npm start` runs it.
      server = await spawnServer({ AZUMA_DB: await cluster.createDatabase('served') });
      const client = api(server.url);
      const { token } = await registerUser(server.url, { name: 'survivor' });
      const me = () => client.get('/api/me', { token });
      expect((await me()).status).toBe(200);

      await cluster.stopServer();
      for (const answer of [await me(), await client.post('/api/login', { body: { name: 'survivor', password: PASSWORD } })]) {
        const path = new URL(answer.url).pathname;
        const method = path === '/api/me' ? 'GET' : 'POST';
        expect(answer.status).toBe(503);
        const body = await answer.json();
        expect(body).toMatchObject({ code: 503, message: ERROR_MESSAGES[503] });
        expect(responseErrors(method, path, 503, body)).toEqual([]);
        expect(responseHeaderErrors(method, path, 503, Object.fromEntries(answer.headers))).toEqual([]);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The version needs no database: still served.
      expect((await client.get('/api/')).status).toBe(200);

      await cluster.startServer();
      const again = await me();
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ name: 'survivor' });
      expect(server.output()).not.toMatch(/"level":60|uncaught/i);
    } finally {
      await cluster.startServer();
      await server?.stop();
    }
  });
});
