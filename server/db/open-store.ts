import { sqliteStore } from './sqlite/store.js';
import type { Store, Warn } from './store.js';

/** Opens and migrates the database AZUMA_DB names. */
export async function openStore(location: string, warn?: Warn): Promise<Store> {
  return sqliteStore(location, warn);
}
