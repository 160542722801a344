import type { Store, Warn } from '../store.js';
import { loginAttemptsRepository } from './login-attempts.js';
import { openDatabase } from './open.js';
import { sessionsRepository } from './sessions.js';
import { asynchronous } from './sync.js';
import { usersRepository } from './users.js';

/** The embedded default: one SQLite file (created on first start), or `:memory:`. */
export function sqliteStore(path: string, warn?: Warn): Store {
  const db = openDatabase(path, warn);
  const ping = db.prepare('SELECT 1');
  return {
    engine: 'sqlite',
    users: asynchronous(usersRepository(db)),
    sessions: asynchronous(sessionsRepository(db)),
    loginAttempts: asynchronous(loginAttemptsRepository(db)),
    ping: async () => void ping.get(),
    close: async () => void db.close(),
  };
}
