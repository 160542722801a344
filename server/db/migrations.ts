// Schema versions, applied in order; PRAGMA user_version records how far a database has come.
// Append only: an applied migration is never edited, a change is a new entry.
export const migrations: readonly string[] = [
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
];
