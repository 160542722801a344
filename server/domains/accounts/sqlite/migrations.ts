import type { Db } from '../../../db/sqlite/connection.js';
import type { Warn } from '../../../db/store.js';
import { addWrittenSkeletons, recomputeNameIdentities } from './name-identities.js';

/** SQL, or a step that needs code (and may warn the operator) for what SQL cannot compute. */
export type Migration = string | ((db: Db, warn: Warn) => void);

// Schema versions, applied in order; PRAGMA user_version records how far a database has come.
// Append only: an applied migration is never edited, a change is a new entry.
export const migrations: readonly Migration[] = [
  `
  CREATE TABLE users (
    id            TEXT PRIMARY KEY,          -- ObjectId, 24 lowercase hex
    name          TEXT NOT NULL,             -- as registered
    name_key      TEXT NOT NULL,             -- NFC + case folding: the case-insensitive identity
    password_hash TEXT NOT NULL,             -- PHC string, e.g. $scrypt$ln=14,r=8,p=5$salt$hash
    icon          TEXT,
    status        TEXT,
    created_at    INTEGER NOT NULL           -- ms since epoch
  ) STRICT;
  CREATE UNIQUE INDEX users_name_key ON users (name_key);

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
  // Contract 1.1: a session is a chain of tokens with an id, an absolute end and a user agent;
  // tokens move to their own table, at most two per session. A 1.0 token becomes a session of its
  // own that began now and ends 90 days from now (the default AZUMA_SESSION_MAX_AGE) or at the
  // token's own expiry, whichever is later; its id comes from the old row id, so it is unique.
  `
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
  // Contract 1.2: names follow RFC 8265 and look-alikes are taken (see contract/names.ts). Every
  // account gets the new identity key and its confusable skeleton; two existing accounts may now
  // share either, so the key index stops being unique (registration checks both instead).
  recomputeNameIdentities,
  // Per-account brute-force protection: failed sign-ins counted per account and client address,
  // and the addresses that signed in to an account lately. Accounts are kept as the SHA-256 of the
  // name's identity key, for names nobody has too: a password typed into the name field by mistake
  // is never stored readable. Rows live one window (failures) or 30 days (clients), and are swept.
  `
  CREATE TABLE login_failures (
    account       BLOB NOT NULL,             -- SHA-256 of the name's identity key
    client        TEXT NOT NULL,             -- client address (IPv6: its /64); '' counts the account as a whole
    failures      INTEGER NOT NULL,
    window_ends   INTEGER NOT NULL,          -- ms since epoch; the count starts over after it
    PRIMARY KEY (account, client)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX login_failures_window_ends ON login_failures (window_ends);

  CREATE TABLE login_clients (
    account       BLOB NOT NULL,             -- SHA-256 of the name's identity key
    client        TEXT NOT NULL,             -- client address (IPv6: its /64)
    signed_in_at  INTEGER NOT NULL,          -- ms since epoch, the latest sign-in from it
    PRIMARY KEY (account, client)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX login_clients_signed_in_at ON login_clients (signed_in_at);
  `,
  // Contract 1.3.1: a name is also taken by an account it looks like once letter case is set
  // aside (`CIara`, `clara`). Every account gets the skeleton of its name as written; accounts
  // that now look alike are reported and keep signing in.
  addWrittenSkeletons,
];
