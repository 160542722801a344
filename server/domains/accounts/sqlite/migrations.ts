import type { SqliteMigration } from '../../../db/sqlite/migrate.js';
import { addWrittenSkeletons, recomputeNameIdentities } from './name-identities.js';

// The accounts' tables: users, and the failed sign-ins counted against them. Append only: an
// applied migration is never edited, a change is a new entry (see server/db/migrations.ts).
export const migrations: readonly SqliteMigration[] = [
  {
    legacy: 1,
    step: `
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
  `,
  },

  // Contract 1.2: names follow RFC 8265 and look-alikes are taken (see contract/names.ts). Every
  // account gets the new identity key and its confusable skeleton; two existing accounts may now
  // share either, so the key index stops being unique (registration checks both instead).
  { legacy: 3, step: recomputeNameIdentities },

  // Per-account brute-force protection: failed sign-ins counted per account and client address,
  // and the addresses that signed in to an account lately. Accounts are kept as the SHA-256 of the
  // name's identity key, for names nobody has too: a password typed into the name field by mistake
  // is never stored readable. Rows live one window (failures) or 30 days (clients), and are swept.
  {
    legacy: 4,
    step: `
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
  },

  // Contract 1.3.1: a name is also taken by an account it looks like once letter case is set
  // aside (`CIara`, `clara`). Every account gets the skeleton of its name as written; accounts
  // that now look alike are reported and keep signing in.
  { legacy: 5, step: addWrittenSkeletons },
];
