import type { PostgresMigration } from '../../../db/postgres/migrate.js';
import { writtenSkeletons } from '../written-skeletons.js';

// The accounts' tables: users, and the failed sign-ins counted against them. Append only: an
// applied migration is never edited, a change is a new entry (see server/db/migrations.ts). The
// first is the schema the SQLite migrations had reached when PostgreSQL arrived, created directly
// (no PostgreSQL database is older); columns match SQLite's: times are BIGINT ms since epoch,
// hashes BYTEA, ids TEXT. The comments in ../sqlite/migrations.ts say what each column holds.
export const migrations: readonly PostgresMigration[] = [
  {
    legacy: 1,
    step: `
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
  },
  // Contract 1.3.1: the skeleton of each name as written, letter case set aside (see
  // ../sqlite/migrations.ts, whose legacy 5 this is).
  {
    legacy: 2,
    step: async (tx, warn) => {
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
  },
];
