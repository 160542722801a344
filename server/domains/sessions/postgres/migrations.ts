import type { PostgresMigration } from '../../../db/postgres/migrate.js';

// The sessions' tables: sessions and their tokens (they reference users, so accounts migrate
// first). Append only: an applied migration is never edited, a change is a new entry (see
// server/db/migrations.ts). Columns match SQLite's (../sqlite/migrations.ts).
export const migrations: readonly PostgresMigration[] = [
  {
    legacy: 1,
    step: `
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
  `,
  },
];
