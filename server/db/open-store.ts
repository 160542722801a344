import { isPostgresUrl } from './location.js';
import { postgresStore } from './postgres/store.js';
import { sqliteStore } from './sqlite/store.js';
import type { Store, Warn } from './store.js';

export interface StoreOptions {
  warn?: Warn;
  /** PostgreSQL: connections this instance holds at most. */
  pool: number;
}

/** Opens and migrates the database AZUMA_DB names: a PostgreSQL URL, else a SQLite file. */
export async function openStore(location: string, { warn, pool }: StoreOptions): Promise<Store> {
  return isPostgresUrl(location) ? postgresStore(location, { pool, ...(warn && { warn }) }) : sqliteStore(location, warn);
}
