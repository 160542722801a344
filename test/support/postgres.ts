// The postgres project's databases: its global setup (postgres-setup.ts) starts one throwaway
// cluster and migrates a template database on it; each app or store then gets a copy of the
// template of its own, so tests stay as isolated as SQLite's in-memory databases.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's administrative database, `postgres://azuma@127.0.0.1:<port>/azuma`. */
    postgresUrl: string;
  }
}

/** The migrated database each test database is copied from. */
export const TEMPLATE_DATABASE = 'azuma_template';

let admin: postgres.Sql | undefined;

/** A new database, copied from the migrated template; resolves to its URL. */
export async function newPostgresDatabase(): Promise<string> {
  const url = inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL cluster: AZUMA_TEST_BACKEND=postgres runs only in the postgres project of vitest.config.ts');
  admin ??= postgres(url, { max: 1, idle_timeout: 5, onnotice: () => {} });
  const name = `test_${randomBytes(8).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  const database = new URL(url);
  database.pathname = `/${name}`;
  return database.href;
}
