import postgres from 'postgres';
import { StoreUnavailableError } from '../store.js';

/** A pool of connections to one PostgreSQL database. */
export type Sql = postgres.Sql<Record<string, never>>;
export type Tx = postgres.TransactionSql<Record<string, never>>;

export interface PoolOptions {
  /** Connections held at most; more queries wait for one to free. */
  max: number;
}

/** Seconds a new connection may take: while PostgreSQL is down, requests fail this fast at worst. */
const CONNECT_TIMEOUT_S = 3;
/** Seconds an unused connection stays open, so a quiet instance holds none of PostgreSQL's slots. */
const IDLE_TIMEOUT_S = 30;

/**
 * The pool. It connects lazily and reconnects on its own: a connection lost while PostgreSQL
 * restarts fails the query on it, and the next query opens a fresh one. Times are BIGINT ms and
 * come back as numbers (they are far below 2^53); columns come back in camelCase.
 */
export function connect(url: string, { max }: PoolOptions): Sql {
  return postgres(url, {
    max,
    connect_timeout: CONNECT_TIMEOUT_S,
    idle_timeout: IDLE_TIMEOUT_S,
    // The driver waits longer after each failed connect before trying again (seconds after a
    // few, growing to 20), and a query waits with it: while PostgreSQL refuses connections every
    // request sat out the step timeout instead of failing at once. Without the wait, each query
    // tries one connect of its own, and a refusal fails it as soon as it comes; a database that
    // accepts but does not answer is still cut off by the connect and step timeouts.
    backoff: () => 0,
    // The array types it would look up on each new connection are never used here.
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: 'azuma' },
    transform: { column: { from: postgres.toCamel } },
    types: {
      int8: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) },
    },
  }) as unknown as Sql;
}

/** Node's and the driver's codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
]);
/** PostgreSQL's own: shutting down, starting up, out of connection slots. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Whether the error says the database is out of reach, rather than that a query is wrong. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // SQLSTATE class 08: connection exception.
  return CONNECTION_CODES.has(code) || SERVER_CODES.has(code) || (error instanceof postgres.PostgresError && code.startsWith('08'));
}

/** The error the services see: unreachable becomes StoreUnavailableError (503), anything else stays. */
export function storeError(error: unknown): unknown {
  if (!isUnreachable(error)) return error;
  return new StoreUnavailableError(`PostgreSQL cannot be reached: ${(error as Error).message}`, { cause: error });
}

/**
 * How long one step may wait for the database. While PostgreSQL restarts, a step can sit in the
 * pool's queue through several connect attempts; the request answers 503 instead of hanging.
 */
export const STEP_TIMEOUT_MS = 5000;

/**
 * A repository whose every failure to reach the database, and every step left unanswered for
 * STEP_TIMEOUT_MS, rejects with StoreUnavailableError. A step given up on may still complete
 * (each is one transaction): the caller was told 503, so it retries, as after any lost answer.
 */
export function reportingUnreachable<T extends object>(repo: T, stepTimeoutMs = STEP_TIMEOUT_MS): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, step] of Object.entries(repo)) {
    wrapped[name] = async (...args: unknown[]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError(`PostgreSQL did not answer within ${stepTimeoutMs} ms`)), stepTimeoutMs);
      });
      try {
        return await Promise.race([(step as (...a: unknown[]) => Promise<unknown>)(...args), timeout]);
      } catch (error) {
        throw storeError(error);
      } finally {
        clearTimeout(timer);
      }
    };
  }
  return wrapped as T;
}

/** A query not yet awaited. */
type Pending = PromiseLike<unknown> & { execute(): unknown };

/**
 * Sends the transaction's queries now, in this order, without waiting for each answer (one round
 * trip for all), and resolves to their results. PostgreSQL runs them one after another, each
 * seeing what the ones before it did. The driver sends a query only when it is awaited or
 * executed, so a plain Promise.all would send them in whatever order it happened to await them.
 */
export function inOrder<const T extends readonly Pending[]>(...queries: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  for (const query of queries) query.execute();
  return Promise.all(queries) as Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }>;
}

const DEADLOCK = '40P01';
const ATTEMPTS = 3;

/**
 * Runs `work` in one READ COMMITTED transaction. Two transactions that delete overlapping rows in
 * different orders (ending a user's oldest session while another instance ends all of them) can
 * deadlock; PostgreSQL then aborts one, which is simply run again.
 */
export async function transaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin((tx) => work(tx as Tx))) as T;
    } catch (error) {
      if (attempt >= ATTEMPTS || !(error instanceof postgres.PostgresError) || error.code !== DEADLOCK) throw error;
    }
  }
}
