import type { Contract } from '../contract/index.js';
import { accountService } from './auth/accounts.js';
import { passwordScreen } from './auth/common-passwords.js';
import { type GuardedAccountService, guardedAccounts } from './auth/guarded-accounts.js';
import { KNOWN_CLIENT_MS, loginThrottle, MAX_FAILURE_ROWS, type ThrottleRules } from './auth/login-throttle.js';
import { OWASP_SCRYPT, passwordHasher, type ScryptParams } from './auth/passwords.js';
import { type SessionRules, type SessionService, sessionService } from './auth/sessions.js';
import { startSweeper } from './auth/sweeper.js';
import { type Config, ConfigError } from './config.js';
import { loginAttemptsRepository } from './db/login-attempts.js';
import type { Warn } from './db/migrations.js';
import { openDatabase } from './db/open.js';
import { sessionsRepository } from './db/sessions.js';
import { usersRepository } from './db/users.js';
import { type SessionTransport, sessionTransport } from './session-transport.js';

export interface ServiceOptions {
  /** Clock in ms; tests move it to reach the refresh window without waiting. */
  now?: () => number;
  /** scrypt cost for new hashes; tests lower it, production keeps the OWASP default. */
  scrypt?: ScryptParams;
  /** How often expired sessions are swept. */
  sweepIntervalMs?: number;
  /** Per-account brute-force protection beyond the settings (the row bound, how long a client stays known); tests shrink them. */
  throttle?: Partial<Pick<ThrottleRules, 'maxFailureRows' | 'knownClientMs'>>;
}

export interface Services {
  accounts: GuardedAccountService;
  sessions: SessionService;
  transport: SessionTransport;
  /** Runs the expired-session sweep now; resolves to the rows deleted. */
  sweepExpiredSessions(): Promise<number>;
  /** Resolves when the database answers a trivial query; rejects when it cannot (readiness, health.ts). */
  ping(): Promise<void>;
  /** Stops the sweeper and closes the database. */
  close(): Promise<void>;
}

/** The session rules: lifetimes and the cap from the settings, the window and token shape from the contract. */
export function sessionRules(config: Config, contract: Contract): SessionRules {
  return {
    ttlSeconds: config.sessionTtlSeconds,
    maxAgeSeconds: config.sessionMaxAgeSeconds,
    perUser: config.sessionsPerUser,
    refreshWindowMs: contract.session.refreshWindowMs,
    tokenPattern: contract.session.tokenPattern,
  };
}

/** How failed sign-ins are counted: the budgets and window from the settings, the rest fixed. */
export function throttleRules(config: Config, overrides: ServiceOptions['throttle'] = {}): ThrottleRules {
  return {
    perClient: config.loginFailuresPerClient,
    perAccount: config.loginFailuresPerAccount,
    windowMs: config.loginFailureWindowSeconds * 1000,
    knownClientMs: KNOWN_CLIENT_MS,
    maxFailureRows: MAX_FAILURE_ROWS,
    ...overrides,
  };
}

/** Failure windows are minutes long: swept every minute, so ended ones do not linger. */
const THROTTLE_SWEEP_MS = 60_000;

/** Storage → repositories → services, wired once; nothing here knows about HTTP routes. */
export function composeServices(config: Config, contract: Contract, options: ServiceOptions = {}, warn?: Warn): Services {
  const now = options.now ?? Date.now;
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(config.dbPath, warn);
  } catch (error) {
    // The operator's fix is the setting (or the file it names): say which.
    throw new ConfigError(`AZUMA_DB: cannot open '${config.dbPath}': ${error instanceof Error ? error.message : String(error)}`);
  }
  const sessionsRepo = sessionsRepository(db);
  const sessions = sessionService(sessionsRepo, sessionRules(config, contract), now);
  const passwords = passwordHasher({
    params: options.scrypt ?? OWASP_SCRYPT,
    concurrency: config.hashConcurrency,
    queueLimit: config.hashQueueLimit,
  });
  const sweeper = startSweeper(sessionsRepo, now, options.sweepIntervalMs ?? 10 * 60 * 1000);
  const throttle = loginThrottle(loginAttemptsRepository(db), throttleRules(config, options.throttle), now);
  const throttleSweeper = startSweeper(throttle, now, THROTTLE_SWEEP_MS);
  return {
    accounts: guardedAccounts(accountService(usersRepository(db), passwords, sessions, now), throttle, passwordScreen()),
    sessions,
    transport: sessionTransport(contract.session, config.cookieSecure, now),
    sweepExpiredSessions: () => sweeper.sweep(),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await sweeper.stop();
      await throttleSweeper.stop();
      db.close();
    },
  };
}
