// Databases as servers from before per-domain migrations left them (server/db/migrations.ts):
// every domain migration a single-list version had applied, in the order that list ran them.
import type { DomainMigrations } from '../../server/db/migrations.js';

/** The steps a database at single-list `version` had run: by legacy version, then registry order. */
export function legacySteps<Step>(domains: DomainMigrations<Step>, version: number): Step[] {
  return domains
    .flatMap(([, migrations]) => migrations.filter((m) => m.legacy !== undefined && m.legacy <= version))
    .sort((a, b) => a.legacy! - b.legacy!)
    .map((m) => m.step);
}

/** Each domain at its newest version, as the table schema_versions holds it once migrated. */
export function newestVersions<Step>(domains: DomainMigrations<Step>): { domain: string; version: number }[] {
  return domains.map(([domain, migrations]) => ({ domain, version: migrations.length })).sort((a, b) => a.domain.localeCompare(b.domain));
}

/** The single-list version a migrated database is fenced at: past any server from before per-domain versions. */
export function legacyFence<Step>(domains: DomainMigrations<Step>): number {
  return Math.max(...domains.flatMap(([, migrations]) => migrations.map((m) => m.legacy ?? 0))) + 1;
}
