// What a domain hands the store: per engine, its migrations and its repositories. The registry
// (server/domains/storage.ts) lists every domain's; the store is assembled from it, so a new
// domain's tables and repositories need no edit here or in either engine's store.

import type { Sql } from './postgres/connect.js';
import type { PostgresMigration } from './postgres/migrate.js';
import type { Db } from './sqlite/connection.js';
import type { SqliteMigration } from './sqlite/migrate.js';
import type { Sync } from './sqlite/sync.js';

/**
 * Which steps of a repository write. On SQLite writes run on the writer thread's connection and
 * reads on the caller's; every method must be named (the type says so), so a new one cannot slip
 * onto the wrong side unnoticed, and the readers' connection is query_only, so a write classed as
 * a read fails loudly.
 */
export type Steps<T> = Record<keyof T, 'read' | 'write'>;

/** A repository on SQLite: built over one connection (answering at once), and its steps' sides. */
export interface SqliteRepository<T> {
  open(db: Db): Sync<T>;
  steps: Steps<T>;
}

/** A domain's storage on both engines; `R` names its repositories as the store exposes them. */
export interface DomainStorage<R> {
  sqlite: { migrations: readonly SqliteMigration[]; repositories: { [K in keyof R]: SqliteRepository<R[K]> } };
  postgres: { migrations: readonly PostgresMigration[]; repositories: { [K in keyof R]: (sql: Sql) => R[K] } };
}

/** The repositories a domain's storage provides. */
export type RepositoriesOf<S> = S extends DomainStorage<infer R> ? R : never;
