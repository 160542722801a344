import type { Contract } from '../contract/index.js';
import { type AccountService, accountService } from './auth/accounts.js';
import { OWASP_SCRYPT, passwordHasher, type ScryptParams } from './auth/passwords.js';
import { type SessionRules, type SessionService, sessionService } from './auth/sessions.js';
import { startSessionSweeper } from './auth/sweeper.js';
import { type Config, ConfigError } from './config.js';
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
}

export interface Services {
  accounts: AccountService;
  sessions: SessionService;
  transport: SessionTransport;
  /** Runs the expired-session sweep now; resolves to the rows deleted. */
  sweepExpiredSessions(): Promise<number>;
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
  const sweeper = startSessionSweeper(sessionsRepo, now, options.sweepIntervalMs ?? 10 * 60 * 1000);
  return {
    accounts: accountService(usersRepository(db), passwords, sessions, now),
    sessions,
    transport: sessionTransport(contract.session, config.cookieSecure, now),
    sweepExpiredSessions: () => sweeper.sweep(),
    async close() {
      await sweeper.stop();
      db.close();
    },
  };
}
