import { type DomainMigrations, legacyFence, type Migration, pendingMigrations, versionsFromLegacy } from '../migrations.js';
import type { Warn } from '../store.js';
import type { Db } from './connection.js';

/** SQL, or a step that needs code (and may warn the operator) for what SQL cannot compute. */
export type SqliteMigration = Migration<string | ((db: Db, warn: Warn) => void)>;

/**
 * Brings every domain's schema up to date, in one transaction. Each domain's version is a row of
 * schema_versions; a database from before has none, and its PRAGMA user_version says which
 * migrations it has (see ../migrations.ts). Once the table exists, user_version is set past every
 * single-list version, so a server from before refuses the file instead of migrating it again.
 */
export function migrate(db: Db, domains: DomainMigrations<SqliteMigration['step']>, warn: Warn): void {
  db.transaction(() => {
    const applied = appliedVersions(db, domains);
    for (const { domain, version, step } of pendingMigrations(domains, applied)) {
      if (typeof step === 'string') db.exec(step);
      else step(db, warn);
      applied.set(domain, version);
    }
    db.exec('CREATE TABLE IF NOT EXISTS schema_versions (domain TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
    const record = db.prepare<[string, number]>(
      'INSERT INTO schema_versions (domain, version) VALUES (?, ?) ON CONFLICT (domain) DO UPDATE SET version = excluded.version',
    );
    for (const [domain, version] of applied) record.run(domain, version);
    db.pragma(`user_version = ${legacyFence(domains)}`);
  }).immediate();
}

function appliedVersions(db: Db, domains: DomainMigrations<unknown>): Map<string, number> {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'").get();
  if (!table) return versionsFromLegacy(domains, db.pragma('user_version', { simple: true }) as number);
  const rows = db.prepare<[], { domain: string; version: number }>('SELECT domain, version FROM schema_versions').all();
  return new Map(rows.map(({ domain, version }) => [domain, version]));
}
