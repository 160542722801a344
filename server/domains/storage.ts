// The registry of the domains' storage: the one place a domain's tables and repositories join the
// store. Order matters: migrations run domain by domain in this order (sessions reference users).
import type { RepositoriesOf } from '../db/domain-storage.js';
import { accountsStorage } from './accounts/storage.js';
import { sessionsStorage } from './sessions/storage.js';

export const DOMAIN_STORAGE = {
  accounts: accountsStorage,
  sessions: sessionsStorage,
} as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every domain's repositories, by the name the store gives each. */
export type Repositories = UnionToIntersection<RepositoriesOf<(typeof DOMAIN_STORAGE)[keyof typeof DOMAIN_STORAGE]>>;

export type RepositoryName = keyof Repositories;

const domains = Object.entries(DOMAIN_STORAGE);

/** Each domain's migrations per engine, in the registry's order. */
export const domainMigrations = {
  sqlite: () => domains.map(([domain, storage]) => [domain, storage.sqlite.migrations] as const),
  postgres: () => domains.map(([domain, storage]) => [domain, storage.postgres.migrations] as const),
};
