// Each domain owns its schema as a list of migrations per engine (domains/<domain>/sqlite and
// postgres), and the database records how far each domain has come (table schema_versions).
// Before that, one list held every domain's migrations and one number recorded how far a
// database had come (SQLite's PRAGMA user_version, PostgreSQL's table schema_version): each
// migration from then names the `legacy` version that applied it, so a database from before
// starts with exactly the migrations it already has, and none runs twice.

/** One step of a domain's schema. Append only: an applied migration is never edited. */
export interface Migration<Step> {
  /** The single-list version that applied it, for migrations from before per-domain versions. */
  legacy?: number;
  step: Step;
}

/** Every domain's migrations for one engine, in the registry's order (the order they run in). */
export type DomainMigrations<Step> = readonly (readonly [domain: string, migrations: readonly Migration<Step>[]])[];

/** The newest single-list version: what a database from before per-domain versions reached at most. */
export function lastLegacyVersion(domains: DomainMigrations<unknown>): number {
  return Math.max(0, ...domains.flatMap(([, migrations]) => migrations.map((migration) => migration.legacy ?? 0)));
}

/**
 * What the single-list marker, once the database leaves it behind, is set to: a server from before
 * per-domain versions then refuses the database as newer than it knows, rather than migrate it again.
 */
export const legacyFence = (domains: DomainMigrations<unknown>) => lastLegacyVersion(domains) + 1;

/** Each domain's version in a database that recorded one single-list version. */
export function versionsFromLegacy(domains: DomainMigrations<unknown>, legacy: number): Map<string, number> {
  const last = lastLegacyVersion(domains);
  if (legacy > last) throw new Error(`database schema version ${legacy} is newer than this server knows (${last})`);
  return new Map(
    domains.map(([domain, migrations]) => [domain, migrations.filter((m) => m.legacy !== undefined && m.legacy <= legacy).length]),
  );
}

/** A migration to run, and the version its domain reaches with it. */
export interface PendingMigration<Step> {
  domain: string;
  version: number;
  step: Step;
}

/** The migrations a database at `applied` lacks, in order; throws for one newer than this server. */
export function pendingMigrations<Step>(domains: DomainMigrations<Step>, applied: ReadonlyMap<string, number>): PendingMigration<Step>[] {
  const known = new Set(domains.map(([domain]) => domain));
  for (const domain of applied.keys()) {
    if (!known.has(domain)) throw new Error(`the database holds the domain '${domain}', newer than this server knows`);
  }
  return domains.flatMap(([domain, migrations]) => {
    const current = applied.get(domain) ?? 0;
    if (current > migrations.length) {
      throw new Error(`database schema version ${current} of '${domain}' is newer than this server knows (${migrations.length})`);
    }
    return migrations.slice(current).map(({ step }, i) => ({ domain, version: current + i + 1, step }));
  });
}
