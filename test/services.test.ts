// The throwaway PostgreSQL and Redis that the multi-instance tests stand on: each starts on a free
// loopback port, answers a real client, survives a restart (PostgreSQL) and leaves nothing behind.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../tools/postgres-cluster.js';
import { startRedis } from '../tools/redis-server.js';
import { servicesEnabled } from './support/services.js';

describe.runIf(servicesEnabled('postgres'))('throwaway PostgreSQL', () => {
  it('serves queries, keeps its data across a restart, and is gone after stop', { timeout: 120_000 }, async () => {
    const cluster = await startPostgres();
    try {
      expect(cluster.url).toBe(`postgres://azuma@127.0.0.1:${cluster.port}/azuma`);
      const sql = postgres(cluster.url, { onnotice: () => {} });
      await sql`create table kept (word text)`;
      await sql`insert into kept values ('survives')`;
      await sql.end();

      await cluster.stopServer();
      const down = postgres(cluster.url, { connect_timeout: 2, max: 1 });
      await expect(down`select 1`).rejects.toThrow(/ECONNREFUSED/);
      await down.end();

      await cluster.startServer();
      const again = postgres(cluster.url);
      expect(await again`select word from kept`).toEqual([{ word: 'survives' }]);
      await again.end();

      const other = postgres(await cluster.createDatabase('second'));
      expect(await other`select current_database() as name`).toEqual([{ name: 'second' }]);
      await other.end();
    } finally {
      await cluster.stop();
    }
    const sql = postgres(cluster.url, { connect_timeout: 2, max: 1 });
    await expect(sql`select 1`).rejects.toThrow(/ECONNREFUSED/);
    await sql.end();
  });
});

describe.runIf(servicesEnabled('redis'))('throwaway Redis', () => {
  it('serves commands and stops', async () => {
    const server = await startRedis();
    const redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      await redis.set('greeting', 'hello');
      expect(await redis.get('greeting')).toBe('hello');
      // No persistence: nothing to save, and no dump.rdb in the working directory.
      expect(await redis.config('GET', 'save')).toEqual(['save', '']);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      redis.disconnect();
      await server.stop();
    }
    expect(existsSync('dump.rdb')).toBe(false);
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
