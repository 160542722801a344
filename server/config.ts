import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isPostgresUrl, redactLocation } from './db/location.js';

// Configuration is read from the environment (and azuma-server's two flags) once, at start-up,
// and frozen. A bad value stops start-up with a message naming the variable or flag, rather than
// surfacing later as odd behaviour.

export interface Config {
  /** --demo: an in-memory sandbox with the contract's example accounts (see demo.ts). */
  demo: boolean;
  /** AZUMA_HOST: address to listen on. */
  host: string;
  /** AZUMA_PORT: port to listen on; 0 picks a free one. */
  port: number;
  /**
   * AZUMA_DB: a PostgreSQL URL (`postgres://…` or `postgresql://…`), which several instances may
   * share; else a SQLite file, created with its folder on first start; `:memory:` keeps nothing.
   */
  dbLocation: string;
  /** AZUMA_DB_POOL: connections to PostgreSQL one instance holds at most (unused with SQLite). */
  dbPool: number;
  /** AZUMA_SESSION_TTL: lifetime of a session token in seconds. */
  sessionTtlSeconds: number;
  /** AZUMA_SESSION_MAX_AGE: a session's absolute lifetime in seconds, however often it is refreshed. */
  sessionMaxAgeSeconds: number;
  /** AZUMA_SESSIONS_PER_USER: live sessions a user may keep; beginning one more ends the oldest. */
  sessionsPerUser: number;
  /** AZUMA_COOKIE_SECURE: add `Secure` to the session cookie (set it when served over HTTPS). */
  cookieSecure: boolean;
  /** AZUMA_AUTH_RATE_LIMIT: login+register attempts per client IP per minute; 0 turns it off. */
  authRateLimit: number;
  /**
   * AZUMA_REDIS_URL: redis:// or rediss:// URL of the Redis that counts the auth rate limit for
   * every instance; unset, each instance counts its own.
   */
  redisUrl: string | undefined;
  /** AZUMA_LOGIN_FAILURES_PER_CLIENT: failed sign-ins on one account from one client per window before it is locked for that client; 0 turns it off. */
  loginFailuresPerClient: number;
  /** AZUMA_LOGIN_FAILURES_PER_ACCOUNT: failed sign-ins on one account from everywhere per window before it is locked for clients it does not know; 0 turns it off. */
  loginFailuresPerAccount: number;
  /** AZUMA_LOGIN_FAILURE_WINDOW: seconds a failure counts, from the first of a window; a lock lasts until the window ends. */
  loginFailureWindowSeconds: number;
  /** AZUMA_CORS_ORIGINS: comma-separated origins allowed to call the API from a browser. */
  corsOrigins: string[];
  /** AZUMA_TRUST_PROXY: proxy addresses/CIDRs whose X-Forwarded-For names the client; `true` (any) only with AZUMA_TRUST_ANY_PROXY=true. */
  trustProxy: boolean | string;
  /** AZUMA_LOG_LEVEL: pino level. */
  logLevel: string;
  /** AZUMA_ACCESS_LOG: one info line per answered request (method, path, status, time taken). */
  accessLog: boolean;
  /** AZUMA_HASH_CONCURRENCY: password hashes computed at once (each takes ~16 MiB). */
  hashConcurrency: number;
  /** AZUMA_HASH_QUEUE: hashes allowed to wait; beyond it, or past half the idle timeout waiting, the server answers 503. */
  hashQueueLimit: number;
  /** AZUMA_MAX_CONNECTIONS: open connections at once; past it new ones are closed at once. */
  maxConnections: number;
  /** AZUMA_MAX_CONNECTIONS_PER_IP: open connections at once from one peer address (IPv6: its /64), trusted proxies aside; past it new ones are closed at once. */
  maxConnectionsPerIp: number;
  /** AZUMA_IDLE_TIMEOUT: seconds a connection may send nothing (before or between requests, or while one arrives; not while it waits for its answer). */
  idleTimeoutSeconds: number;
  /** AZUMA_HEADERS_TIMEOUT: seconds a client has to send a request's headers. */
  headersTimeoutSeconds: number;
  /** AZUMA_REQUEST_TIMEOUT: seconds a client has to send a whole request. */
  requestTimeoutSeconds: number;
  /** AZUMA_DRAIN_SECONDS: on SIGTERM/SIGINT, seconds readiness answers 503 while serving on, before closing. */
  drainSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const USAGE = `usage: azuma-server [--demo | --help]

  --demo  a sandbox: the database is in memory and kept by nothing, password hashing is cheap,
          and the accounts of the contract's examples exist, so its samples run as written
  --help  this text

Every other setting is an AZUMA_* environment variable (AZUMA_HOST, AZUMA_PORT, AZUMA_DB, ...),
listed with its default in docs/operators.md.`;

export interface Flags {
  demo: boolean;
  help: boolean;
}

/** azuma-server's command line: two flags and nothing else, so a typo cannot pass unnoticed. */
export function readFlags(args: readonly string[]): Flags {
  const flags: Flags = { demo: false, help: false };
  for (const arg of args) {
    if (arg === '--demo') flags.demo = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else {
      throw new ConfigError(
        `unknown argument '${arg}': azuma-server takes only --demo and --help; every other setting is an AZUMA_* environment variable`,
      );
    }
  }
  return flags;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be 'true' or 'false', got '${raw}'`);
}

function origins(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`${name} must list origins like https://app.example.org, got '${origin}'`);
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(`${name} entries must be bare origins (scheme://host[:port]), got '${origin}'`);
    }
    return url.origin;
  });
}

function redisUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    // The URL may carry a password: name the setting, not its value.
    throw new ConfigError(`${name} must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379`);
  }
  return raw;
}

// The names proxy-addr (Fastify's trustProxy) understands besides addresses and CIDR ranges.
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IP address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or one of proxy-addr's named ranges. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGES.includes(entry) || isIP(entry) !== 0) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  return family !== 0 && extra === undefined && /^\d{1,3}$/.test(prefix ?? '') && Number(prefix) <= (family === 4 ? 32 : 128);
}

function trustProxy(env: Env, name: string, anyName: string): boolean | string {
  const raw = env[name]?.trim();
  if (!raw || raw === 'false') return false;
  if (raw === 'true') {
    // Trusting every address lets any client that reaches the port directly pick its own address
    // for the rate limits and the logs: only an operator who says so twice gets it.
    if (boolean(env, anyName, false)) return true;
    throw new ConfigError(
      `${name}=true would trust X-Forwarded-For from any client that reaches this port, so each could choose the address its rate limit counts: list your proxies instead (e.g. loopback or 10.0.0.0/8), or, when only proxies can reach the port, also set ${anyName}=true`,
    );
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isProxyEntry(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      `${name} must be 'true', 'false' or a comma-separated list of proxy addresses or CIDR ranges (or ${PROXY_RANGES.join(', ')}), got '${bad}'`,
    );
  }
  return entries.join(',');
}

export function loadConfig(env: Env = process.env, flags: Pick<Flags, 'demo'> = { demo: false }): Config {
  const logLevel = env.AZUMA_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`AZUMA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const host = env.AZUMA_HOST?.trim() || '127.0.0.1';
  const db = env.AZUMA_DB?.trim();
  // A demo keeps nothing; a database named beside it would look kept and be silently ignored.
  if (flags.demo && db && db !== ':memory:') {
    throw new ConfigError(
      `--demo keeps its database in memory, so AZUMA_DB='${redactLocation(db)}' would be ignored: unset AZUMA_DB, or drop --demo`,
    );
  }
  // A URL with a typo in its scheme's slashes would otherwise become a SQLite file of that name.
  if (db && /^postgres(ql)?:/i.test(db) && !isPostgresUrl(db)) {
    throw new ConfigError(`AZUMA_DB must be postgres://user:password@host:port/database, got '${redactLocation(db)}'`);
  }
  const dbLocation = flags.demo ? ':memory:' : db || 'data/azuma.sqlite';
  const loginFailuresPerClient = integer(env, 'AZUMA_LOGIN_FAILURES_PER_CLIENT', 10, 0, 1000);
  const loginFailuresPerAccount = integer(env, 'AZUMA_LOGIN_FAILURES_PER_ACCOUNT', 50, 0, 1_000_000);
  // The account-wide budget is the slower one. Were it smaller, it would lock every stranger
  // before the per-client limit could, leaving that limit to the clients the account knows.
  if (loginFailuresPerClient > 0 && loginFailuresPerAccount > 0 && loginFailuresPerAccount < loginFailuresPerClient) {
    throw new ConfigError(
      `AZUMA_LOGIN_FAILURES_PER_ACCOUNT (${loginFailuresPerAccount}) must be at least AZUMA_LOGIN_FAILURES_PER_CLIENT (${loginFailuresPerClient}), or 0`,
    );
  }
  // Room for the long-lived connections realtime chat holds open (one or more per signed-in
  // client): the process needs an open-file limit above it, which app.ts checks at start-up.
  const maxConnections = integer(env, 'AZUMA_MAX_CONNECTIONS', 10_000, 1, 1_000_000);
  // Enough for an office behind one address with a few tabs each, or a burst of requests from one
  // client that each want an answer rather than a closed connection; far enough under the global
  // cap that one address cannot hold every connection the server will take, and so a fraction of
  // a lowered global cap unless set.
  const maxConnectionsPerIp = integer(
    env,
    'AZUMA_MAX_CONNECTIONS_PER_IP',
    Math.max(1, Math.min(1024, Math.floor(maxConnections / 8))),
    1,
    1_000_000,
  );
  if (maxConnectionsPerIp > maxConnections) {
    throw new ConfigError(
      `AZUMA_MAX_CONNECTIONS_PER_IP (${maxConnectionsPerIp}) must be at most AZUMA_MAX_CONNECTIONS (${maxConnections})`,
    );
  }
  return Object.freeze({
    demo: flags.demo,
    host,
    port: integer(env, 'AZUMA_PORT', 3000, 0, 65535),
    dbLocation,
    dbPool: integer(env, 'AZUMA_DB_POOL', 10, 1, 1000),
    // At least a minute, so a fresh token is never born expired; at most ten years.
    sessionTtlSeconds: integer(env, 'AZUMA_SESSION_TTL', 2_592_000, 60, 315_360_000),
    // 90 days by default: the absolute timeout of a long-lived session (OWASP Session
    // Management); at least a minute, like the TTL.
    sessionMaxAgeSeconds: integer(env, 'AZUMA_SESSION_MAX_AGE', 7_776_000, 60, 315_360_000),
    sessionsPerUser: integer(env, 'AZUMA_SESSIONS_PER_USER', 20, 1, 1000),
    cookieSecure: boolean(env, 'AZUMA_COOKIE_SECURE', false),
    authRateLimit: integer(env, 'AZUMA_AUTH_RATE_LIMIT', 30, 0, 1_000_000),
    redisUrl: redisUrl(env, 'AZUMA_REDIS_URL'),
    loginFailuresPerClient,
    loginFailuresPerAccount,
    // 15 minutes by default; at most a day, so a lock never outlasts what a user can wait out.
    loginFailureWindowSeconds: integer(env, 'AZUMA_LOGIN_FAILURE_WINDOW', 900, 1, 86_400),
    corsOrigins: origins(env, 'AZUMA_CORS_ORIGINS'),
    trustProxy: trustProxy(env, 'AZUMA_TRUST_PROXY', 'AZUMA_TRUST_ANY_PROXY'),
    logLevel,
    // Off by default: the line costs a third of what a GET /api/ costs in all (docs/benchmarks.md);
    // a reverse proxy usually logs requests already.
    accessLog: boolean(env, 'AZUMA_ACCESS_LOG', false),
    hashConcurrency: integer(env, 'AZUMA_HASH_CONCURRENCY', availableParallelism(), 1, 64),
    hashQueueLimit: integer(env, 'AZUMA_HASH_QUEUE', 128, 0, 100_000),
    maxConnections,
    maxConnectionsPerIp,
    idleTimeoutSeconds: integer(env, 'AZUMA_IDLE_TIMEOUT', 10, 1, 3600),
    headersTimeoutSeconds: integer(env, 'AZUMA_HEADERS_TIMEOUT', 10, 1, 3600),
    requestTimeoutSeconds: integer(env, 'AZUMA_REQUEST_TIMEOUT', 30, 1, 3600),
    // 0 by default: one instance alone has no load balancer to tell. Behind one, a few probe intervals.
    drainSeconds: integer(env, 'AZUMA_DRAIN_SECONDS', 0, 0, 600),
  });
}
