import { loginAttemptsRepository } from '../../domains/accounts/postgres/login-attempts.js';
import { migrate } from '../../domains/accounts/postgres/migrations.js';
import { usersRepository } from '../../domains/accounts/postgres/users.js';
import { sessionsRepository } from '../../domains/sessions/postgres/sessions.js';
import { type Store, StoreUnavailableError, type Warn } from '../store.js';
import { connect, reportingUnreachable, STEP_TIMEOUT_MS, storeError } from './connect.js';

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
    await migrate(sql, warn);
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
  return {
    engine: 'postgres',
    users: reportingUnreachable(usersRepository(sql), stepTimeoutMs),
    sessions: reportingUnreachable(sessionsRepository(sql), stepTimeoutMs),
    loginAttempts: reportingUnreachable(loginAttemptsRepository(sql), stepTimeoutMs),
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
