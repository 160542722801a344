import type { LoadedContract } from '@azuma/contract';
import { type Config, ConfigError } from './config.js';
import { redactLocation } from './db/location.js';
import { openStore } from './db/open-store.js';
import type { Store, Warn } from './db/store.js';
import { passwordScreen } from './domains/accounts/common-passwords.js';
import { type GuardedAccountService, guardedAccounts } from './domains/accounts/guarded-service.js';
import { KNOWN_CLIENT_MS, loginThrottle, MAX_FAILURE_ROWS, type ThrottleRules } from './domains/accounts/login-throttle.js';
import { OWASP_SCRYPT, passwordHasher, type ScryptParams } from './domains/accounts/passwords.js';
import { accountService } from './domains/accounts/service.js';
import { type SessionRules, type SessionService, sessionService } from './domains/sessions/service.js';
import { type SessionTransport, sessionTransport } from './http/session-transport.js';
import { startSweeper } from './platform/sweeper.js';

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
  /** Resolves when the database answers; rejects while it cannot be reached. */
  ping(): Promise<void>;
  /** Stops the sweeper and closes the database. */
  close(): Promise<void>;
}

/** The session rules: lifetimes and the cap from the settings, the window and token shape from the contract. */
export function sessionRules(config: Config, contract: LoadedContract): SessionRules {
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
export async function composeServices(
  config: Config,
  contract: LoadedContract,
  options: ServiceOptions = {},
  warn?: Warn,
): Promise<Services> {
  const now = options.now ?? Date.now;
  let store: Store;
  try {
    store = await openStore(config.dbLocation, { warn, pool: config.dbPool });
  } catch (error) {
    // The operator's fix is the setting (or the file or database it names): say which, without its password.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`AZUMA_DB: cannot open '${redactLocation(config.dbLocation)}': ${reason}`);
  }
  const sessions = sessionService(store.sessions, sessionRules(config, contract), now);
  const passwords = passwordHasher({
    params: options.scrypt ?? OWASP_SCRYPT,
    concurrency: config.hashConcurrency,
    queueLimit: config.hashQueueLimit,
    // A client waits in silence for its answer: a queued hash that cannot start within half the
    // idle timeout is refused (503) while the other half is left for the hash and the write.
    maxWaitMs: (config.idleTimeoutSeconds * 1000) / 2,
  });
  const sweepFailed = (error: unknown) =>
    warn?.('the sweep of expired rows failed; it runs again at its next interval', {
      err: error instanceof Error ? error.message : String(error),
    });
  const sweeper = startSweeper(store.sessions, now, options.sweepIntervalMs ?? 10 * 60 * 1000, sweepFailed);
  const throttle = loginThrottle(store.loginAttempts, throttleRules(config, options.throttle), now);
  const throttleSweeper = startSweeper(throttle, now, THROTTLE_SWEEP_MS, sweepFailed);
  return {
    accounts: guardedAccounts(accountService(store.users, passwords, sessions, now), throttle, passwordScreen()),
    sessions,
    transport: sessionTransport(contract.session, config.cookieSecure, now),
    sweepExpiredSessions: () => sweeper.sweep(),
    ping: () => store.ping(),
    async close() {
      await sweeper.stop();
      await throttleSweeper.stop();
      await store.close();
    },
  };
}
