import { DOMAIN_STORAGE, domainMigrations, type Repositories } from '../../domains/storage.js';
import { type Store, StoreUnavailableError, type Warn } from '../store.js';
import { connect, reportingUnreachable, type Sql, STEP_TIMEOUT_MS, storeError } from './connect.js';
import { migrate } from './migrate.js';

export interface PostgresOptions {
  /** Connections this instance holds at most (AZUMA_DB_POOL). */
  pool: number;
  /** Hears what a migration found that the operator should know. */
  warn?: Warn;
  /** How long one step may wait for the database; STEP_TIMEOUT_MS unless a test needs another. */
  stepTimeoutMs?: number;
}

/** How long a health check waits for `SELECT 1` before calling the database unreachable. */
const PING_TIMEOUT_MS = 2000;

/**
 * Several instances may share one database: every rule the services rely on is a transaction
 * or a lock in PostgreSQL, never this process's memory. Connects and migrates before resolving,
 * so an instance with a wrong URL or an unreachable database stops at start-up.
 */
export async function postgresStore(
  url: string,
  { pool, warn = (message) => console.warn(message), stepTimeoutMs = STEP_TIMEOUT_MS }: PostgresOptions,
): Promise<Store> {
  const sql = connect(url, { max: pool });
  try {
    await migrate(sql, domainMigrations.postgres(), warn);
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
  const repositories = Object.values(DOMAIN_STORAGE).flatMap((storage) =>
    Object.entries(storage.postgres.repositories).map(([name, open]) => [
      name,
      reportingUnreachable((open as (sql: Sql) => object)(sql), stepTimeoutMs),
    ]),
  );
  return {
    engine: 'postgres',
    ...(Object.fromEntries(repositories) as Repositories),
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StoreUnavailableError(`PostgreSQL gave no answer to SELECT 1 within ${PING_TIMEOUT_MS} ms`)),
          PING_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([sql`SELECT 1`, timeout]);
      } catch (error) {
        throw storeError(error);
      } finally {
        clearTimeout(timer);
      }
    },
    // Queries under way may finish within the grace; then the connections close regardless.
    close: () => sql.end({ timeout: 5 }),
  };
}
