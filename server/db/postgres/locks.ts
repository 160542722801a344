// PostgreSQL advisory locks, as (class, key) pairs of int4: the class says what is locked, so a
// name's lock never meets an account's. Classes start at 0x417a7500 ("Azu") to stay apart from
// other applications' locks should they share the database. Locks hold per database.
export const LOCK = {
  /** Migrating the schema (key 0). */
  migrate: 0x417a_7501,
  /** Registering a name: a key per skeleton of the name (see users.ts). */
  name: 0x417a_7502,
  /** Counting a login attempt: the key is hashtext of the account's hex. */
  account: 0x417a_7503,
  /** Sweeping expired sessions (key 0). */
  sweepSessions: 0x417a_7504,
  /** Sweeping ended login windows (key 0). */
  sweepAttempts: 0x417a_7505,
} as const;
