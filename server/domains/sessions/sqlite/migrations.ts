import type { SqliteMigration } from '../../../db/sqlite/migrate.js';

// The sessions' tables: sessions and their tokens (they reference users, so accounts migrate
// first). Append only: an applied migration is never edited, a change is a new entry (see
// server/db/migrations.ts).
export const migrations: readonly SqliteMigration[] = [
  {
    legacy: 1,
    step: `
  CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,      -- SHA-256 of the token; the token itself is never stored
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at    INTEGER NOT NULL,          -- ms since epoch
    rotation_salt BLOB NOT NULL              -- with the token, derives the one successor token
  ) STRICT;
  CREATE INDEX sessions_expires_at ON sessions (expires_at);
  CREATE INDEX sessions_user_id ON sessions (user_id);
  `,
  },

  // Contract 1.1: a session is a chain of tokens with an id, an absolute end and a user agent;
  // tokens move to their own table, at most two per session. A 1.0 token becomes a session of its
  // own that began now and ends 90 days from now (the default AZUMA_SESSION_MAX_AGE) or at the
  // token's own expiry, whichever is later; its id comes from the old row id, so it is unique.
  {
    legacy: 2,
    step: `
  DROP INDEX sessions_expires_at;
  DROP INDEX sessions_user_id;
  ALTER TABLE sessions RENAME TO sessions_1_0;

  CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,          -- 24 lowercase hex, what the session list shows
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,          -- ms since epoch
    last_used_at  INTEGER NOT NULL,          -- ms since epoch, updated at most once a minute
    ends_at       INTEGER NOT NULL,          -- the absolute end: no token of it lives longer
    user_agent    TEXT                       -- as sent when it began, first 256 characters
  ) STRICT;
  CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
  CREATE INDEX sessions_ends_at ON sessions (ends_at);

  CREATE TABLE session_tokens (
    id            INTEGER PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,      -- SHA-256 of the token; the token itself is never stored
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    expires_at    INTEGER NOT NULL,          -- ms since epoch
    rotation_salt BLOB NOT NULL              -- with the token, derives the one successor token
  ) STRICT;
  CREATE INDEX session_tokens_session_id ON session_tokens (session_id);
  CREATE INDEX session_tokens_expires_at ON session_tokens (expires_at);

  INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at, user_agent)
    SELECT printf('%024x', id), user_id, CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER),
           max(expires_at, CAST(unixepoch('subsec') * 1000 AS INTEGER) + 7776000000), NULL
    FROM sessions_1_0;
  INSERT INTO session_tokens (token_hash, session_id, expires_at, rotation_salt)
    SELECT token_hash, printf('%024x', id), expires_at, rotation_salt FROM sessions_1_0;
  DROP TABLE sessions_1_0;
  `,
  },
];
