// Global setup of the postgres project (vitest.config.ts): one throwaway cluster for the whole
// run, and the template database every test database is copied from, migrated once here.
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { postgresStore } from '../../server/db/postgres/store.js';
import { startPostgres } from '../../tools/postgres-cluster.js';
import { TEMPLATE_DATABASE } from './postgres.js';

export default async function setup(project: TestProject) {
  const cluster = await startPostgres();
  try {
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    // Speed over durability for a cluster that is deleted after the run: no fsync makes a new
    // database a tenth of a second rather than half a second on a slow disk. What these tests
    // check (who wins a race, what is stored) does not depend on it. Every app holds a pool,
    // and test files run side by side: room for more connections than the default 100.
    await sql.unsafe(`ALTER SYSTEM SET fsync = off`);
    await sql.unsafe(`ALTER SYSTEM SET synchronous_commit = off`);
    await sql.unsafe(`ALTER SYSTEM SET full_page_writes = off`);
    await sql.unsafe(`ALTER SYSTEM SET max_connections = 400`);
    await sql.unsafe(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await sql.end();
    await cluster.stopServer();
    await cluster.startServer();
    const template = new URL(cluster.url);
    template.pathname = `/${TEMPLATE_DATABASE}`;
    await (await postgresStore(template.href, { pool: 1 })).close();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
