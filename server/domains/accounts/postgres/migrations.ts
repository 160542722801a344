import type { Sql, Tx } from '../../../db/postgres/connect.js';
import { LOCK } from '../../../db/postgres/locks.js';
import type { Warn } from '../../../db/store.js';
import { writtenSkeletons } from '../written-skeletons.js';

/** SQL, or a step that needs code (and may warn the operator) for what SQL cannot compute. */
export type Migration = string | ((tx: Tx, warn: Warn) => Promise<void>);

// Schema versions, applied in order; the table schema_version records how far a database has
// come. Append only: an applied migration is never edited, a change is a new entry. The first
// is the schema the SQLite migrations had reached when PostgreSQL arrived, created directly (no
// PostgreSQL database is older); columns match SQLite's: times are BIGINT ms since epoch, hashes
// BYTEA, ids TEXT. The comments in sqlite/migrations.ts say what each column holds.
export const migrations: readonly Migration[] = [
  `
  CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    name_skeleton TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    icon          TEXT,
    status        TEXT,
    created_at    BIGINT NOT NULL
  );
  CREATE INDEX users_name_key ON users (name_key, created_at, id);
  CREATE INDEX users_name_skeleton ON users (name_skeleton);

  CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    user_agent    TEXT
  );
  CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
  CREATE INDEX sessions_ends_at ON sessions (ends_at);

  CREATE TABLE session_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    BYTEA NOT NULL UNIQUE,
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at    BIGINT NOT NULL,
    rotation_salt BYTEA NOT NULL
  );
  CREATE INDEX session_tokens_session_id ON session_tokens (session_id);
  CREATE INDEX session_tokens_expires_at ON session_tokens (expires_at);

  CREATE TABLE login_failures (
    account       BYTEA NOT NULL,
    client        TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    window_ends   BIGINT NOT NULL,
    PRIMARY KEY (account, client)
  );
  CREATE INDEX login_failures_window_ends ON login_failures (window_ends);

  CREATE TABLE login_clients (
    account       BYTEA NOT NULL,
    client        TEXT NOT NULL,
    signed_in_at  BIGINT NOT NULL,
    PRIMARY KEY (account, client)
  );
  CREATE INDEX login_clients_signed_in_at ON login_clients (signed_in_at);
  `,
  // Contract 1.3.1: the skeleton of each name as written, letter case set aside (see
  // sqlite/migrations.ts, whose fifth migration this is).
  async (tx, warn) => {
    await tx`ALTER TABLE users ADD COLUMN name_skeleton_written TEXT NOT NULL DEFAULT ''`;
    await tx`CREATE INDEX users_name_skeleton_written ON users (name_skeleton_written)`;
    const accounts = await tx<{ id: string; name: string }[]>`SELECT id, name FROM users ORDER BY created_at, id`;
    const computed = writtenSkeletons(accounts, warn);
    if (computed.size === 0) return;
    // As one JSON parameter: the pool fetches no array types.
    const rows = JSON.stringify([...computed].map(([id, skeleton]) => ({ id, skeleton })));
    await tx`
      UPDATE users SET name_skeleton_written = computed.skeleton
      FROM json_to_recordset(${rows}::text::json) AS computed (id TEXT, skeleton TEXT)
      WHERE users.id = computed.id`;
  },
];

/**
 * Brings the schema up to date in one transaction under an advisory lock: of several instances
 * starting at once, the first migrates and the others wait, then find the version it committed.
 * The lock is the transaction's, so it goes with the commit, or with the connection of an
 * instance that dies midway (and its half-done migration rolls back with it).
 */
export async function migrate(sql: Sql, warn: Warn): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK.migrate}, 0)`;
    await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`;
    const [row] = await tx<{ version: number }[]>`SELECT version FROM schema_version`;
    const current = row?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(`database schema version ${current} is newer than this server knows (${migrations.length})`);
    }
    if (current === migrations.length) return;
    for (const migration of migrations.slice(current)) {
      if (typeof migration === 'string') await tx.unsafe(migration);
      else await migration(tx, warn);
    }
    if (row) await tx`UPDATE schema_version SET version = ${migrations.length}`;
    else await tx`INSERT INTO schema_version (version) VALUES (${migrations.length})`;
  });
}
