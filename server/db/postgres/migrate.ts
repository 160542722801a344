import { type DomainMigrations, legacyFence, type Migration, pendingMigrations, versionsFromLegacy } from '../migrations.js';
import type { Warn } from '../store.js';
import type { Sql, Tx } from './connect.js';
import { LOCK } from './locks.js';

/** SQL, or a step that needs code (and may warn the operator) for what SQL cannot compute. */
export type PostgresMigration = Migration<string | ((tx: Tx, warn: Warn) => Promise<void>)>;

/**
 * Brings every domain's schema up to date in one transaction under an advisory lock: of several
 * instances starting at once, the first migrates and the others wait, then find the versions it
 * committed. The lock is the transaction's, so it goes with the commit, or with the connection of
 * an instance that dies midway (and its half-done migration rolls back with it). Each domain's
 * version is a row of schema_versions; a database from before has none, and its table
 * schema_version says which migrations it has (see ../migrations.ts). That table is then set past
 * every single-list version, so a server from before refuses the database instead of migrating it.
 */
export async function migrate(sql: Sql, domains: DomainMigrations<PostgresMigration['step']>, warn: Warn): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK.migrate}, 0)`;
    const applied = await appliedVersions(tx, domains);
    for (const { domain, version, step } of pendingMigrations(domains, applied)) {
      if (typeof step === 'string') await tx.unsafe(step);
      else await step(tx, warn);
      applied.set(domain, version);
    }
    await tx`CREATE TABLE IF NOT EXISTS schema_versions (domain TEXT PRIMARY KEY, version INTEGER NOT NULL)`;
    for (const [domain, version] of applied) {
      await tx`
        INSERT INTO schema_versions (domain, version) VALUES (${domain}, ${version})
        ON CONFLICT (domain) DO UPDATE SET version = excluded.version`;
    }
    await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`;
    await tx`DELETE FROM schema_version`;
    await tx`INSERT INTO schema_version (version) VALUES (${legacyFence(domains)})`;
  });
}

async function appliedVersions(tx: Tx, domains: DomainMigrations<unknown>): Promise<Map<string, number>> {
  const [tables] = await tx<{ current: string | null; legacy: string | null }[]>`
    SELECT to_regclass('schema_versions')::text AS current, to_regclass('schema_version')::text AS legacy`;
  if (!tables!.current) {
    const [row] = tables!.legacy ? await tx<{ version: number }[]>`SELECT version FROM schema_version` : [];
    return versionsFromLegacy(domains, row?.version ?? 0);
  }
  const rows = await tx<{ domain: string; version: number }[]>`SELECT domain, version FROM schema_versions`;
  return new Map(rows.map(({ domain, version }) => [domain, version]));
}
