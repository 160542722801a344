// Fills a database the server has created (and migrated) with accounts and sessions, straight
// into the SQLite file while no server runs: a million rows in a minute or two, where registering
// them through the API would take hours of scrypt. Every value is made by the server's own code
// (ids, name identities, tokens and their hashes, a real scrypt hash), so the rows are what the
// server itself would have written.

import { prepareName } from '@azuma/contract/names';
import Database from 'better-sqlite3';
import { nameIdentity } from '../server/domains/accounts/name-identity.js';
import { OWASP_SCRYPT, passwordHasher } from '../server/domains/accounts/passwords.js';
import { hashToken, newRotationSalt, newToken } from '../server/domains/sessions/tokens.js';
import { newObjectId } from '../server/platform/ids.js';

export interface SeedSpec {
  /** Accounts, each with one live session (one token). */
  accounts: number;
  /** Accounts that also hold a session past its end (its token expired too), spread evenly; at most one in two. */
  expired: number;
  password: string;
  /** Token lifetime and session lifetime, as the server is configured. */
  ttlMs: number;
  maxAgeMs: number;
  /** Tokens and names to keep for the load runs, spread evenly over the table. */
  samples: number;
}

export interface Seeded {
  accounts: number;
  liveSessions: number;
  expiredSessions: number;
  /** Tokens of live sessions, and the names of their accounts, spread over the table. */
  tokens: string[];
  names: string[];
  seconds: number;
  fileMiB: number;
}

/** The account names: short, valid under the contract's rules, distinct (decimal: in base 36 `seed1` and `seedl` would look alike). */
const accountName = (i: number) => `seed${i}`;

export async function seed(path: string, spec: SeedSpec): Promise<Seeded> {
  const started = performance.now();
  const refused = prepareName(accountName(0));
  if (!refused.ok) throw new Error(`seed names are refused by the contract's rules: ${refused.problem}`);
  // One real hash for every account: the lookups measured never verify it, but the row is real.
  const passwordHash = await passwordHasher({ params: OWASP_SCRYPT, concurrency: 1, queueLimit: 0 }).hash(spec.password);
  const now = Date.now();
  // last_used_at a while ahead: the server then writes no once-a-minute touch during the run, so
  // every size measures the read path alone, however long its seeding took.
  const lastUsedAt = now + 15 * 60_000;
  const every = Math.max(1, Math.floor(spec.accounts / spec.samples));
  const expiredEvery = Math.max(2, Math.floor(spec.accounts / spec.expired));

  const db = new Database(path);
  // Seeding only: a crash here costs a rerun, not data, so no fsync per page.
  db.pragma('synchronous = OFF');
  // Token hashes are random: their index takes inserts all over, so hold it in memory.
  db.pragma('cache_size = -262144');
  const insertUser = db.prepare(
    `INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertSession = db.prepare(
    'INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at, user_agent) VALUES (?, ?, ?, ?, ?, NULL)',
  );
  const insertToken = db.prepare('INSERT INTO session_tokens (token_hash, session_id, expires_at, rotation_salt) VALUES (?, ?, ?, ?)');
  const tokens: string[] = [];
  const names: string[] = [];
  let expired = 0;
  db.transaction(() => {
    for (let i = 0; i < spec.accounts; i++) {
      const name = accountName(i);
      const { key, skeleton } = nameIdentity(name);
      const userId = newObjectId(now);
      insertUser.run(userId, name, key, skeleton, passwordHash, now);
      // Interleaved with the live ones, as sessions of one age are, some ended and some not.
      if (i % expiredEvery === 0 && expired < spec.expired) {
        const began = now - spec.maxAgeMs - 86_400_000;
        const sessionId = newObjectId(began);
        insertSession.run(sessionId, userId, began, began, began + spec.maxAgeMs);
        insertToken.run(hashToken(newToken()), sessionId, began + spec.ttlMs, newRotationSalt());
        expired++;
      }
      const token = newToken();
      const sessionId = newObjectId(now);
      insertSession.run(sessionId, userId, now, lastUsedAt, now + spec.maxAgeMs);
      insertToken.run(hashToken(token), sessionId, now + Math.min(spec.ttlMs, spec.maxAgeMs), newRotationSalt());
      if (i % every === 0 && tokens.length < spec.samples) {
        tokens.push(token);
        names.push(name);
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pages = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return {
    accounts: spec.accounts,
    liveSessions: spec.accounts,
    expiredSessions: expired,
    tokens,
    names,
    seconds: (performance.now() - started) / 1000,
    fileMiB: (pages * pageSize) / 2 ** 20,
  };
}
