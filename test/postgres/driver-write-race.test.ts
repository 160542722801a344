// The PostgreSQL driver, as the repository installs it (patches/postgres+*.patch): a connection
// PostgreSQL closed must fail the queries sent on it, not throw from a timer. Unpatched, postgres
// buffers a small write for the next tick, the close has already dropped the socket, and the tick
// throws a TypeError that no await can catch (porsager/postgres#1154, #1208): the process ends.
import postgres from 'postgres';
import { afterEach, expect, inject, it } from 'vitest';
import { driverGuardsWrites, surviveDriverWriteRace } from '../../server/db/postgres/write-race.js';

const pools: postgres.Sql[] = [];
const pool = (max: number) => {
  const sql = postgres(inject('postgresUrl'), { max, onnotice: () => {} });
  pools.push(sql);
  return sql;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((sql) => sql.end({ timeout: 0 })));
});

it('when PostgreSQL ends a held connection, then each later query on it rejects CONNECTION_CLOSED, and nothing is thrown', async () => {
  const reserved = await pool(2).reserve();
  const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
  await pool(1)`select pg_terminate_backend(${row!.pid})`;
  // The first query meets the close (CONNECTION_CLOSED, or ECONNRESET when it comes as a reset).
  await expect(reserved`select 1`).rejects.toBeInstanceOf(Error);
  // A reset reaches the driver as 'error' first and as 'close' only later; a query sent in between
  // is lost with the close (porsager/postgres#1215), a bug of its own that the step timeout covers.
  await new Promise((resolve) => setTimeout(resolve, 200));
  // These are written after the close: unpatched, the first one's write is what throws.
  await expect(reserved`select 2`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  await expect(reserved`select 3`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
}, 10_000);

it('when the server starts on the patched driver, then it installs no process-wide exception handler', () => {
  expect(driverGuardsWrites()).toBe(true);
  const before = process.listenerCount('uncaughtException');
  surviveDriverWriteRace(() => {});
  expect(process.listenerCount('uncaughtException')).toBe(before);
});
