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
