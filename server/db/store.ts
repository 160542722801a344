import type { Repositories } from '../domains/storage.js';
import { HttpError } from '../http/http-error.js';

// What the services need from storage, whatever engine holds it. Every method is asynchronous,
// so an engine across the network (PostgreSQL) fits as well as one in the process (SQLite); each
// method is one atomic step, enforced by the database rather than by this process's memory, so
// several server processes sharing one database keep the same rules.

/** Says something the operator should know, with fields for the log line. */
export type Warn = (message: string, details: Record<string, unknown>) => void;

/** One database, opened and migrated: every domain's repositories over it (the registry's, ../domains/storage.ts). */
export type Store = Repositories & {
  /** Which engine, for logs and health answers. */
  readonly engine: 'sqlite' | 'postgres';
  /** Resolves when the database answers a trivial query; rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The database cannot be reached just now (down, restarting, or the network between): the
 * request may succeed once it is back, so the server answers 503 rather than 500.
 */
export class StoreUnavailableError extends HttpError {
  override name = 'StoreUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    // Logged for the operator (the message says which database and why); the client learns only to retry.
    super(
      503,
      `the database cannot be reached; retry in ${STORE_RETRY_SECONDS} seconds`,
      { 'Retry-After': String(STORE_RETRY_SECONDS) },
      {
        message,
        cause: options.cause,
        logAs: 'database unreachable',
      },
    );
  }
}

/** What a 503 for an unreachable database asks clients to wait: about one connect timeout. */
const STORE_RETRY_SECONDS = 3;
