import { DOMAIN_STORAGE, type Repositories, type RepositoryName } from '../../domains/storage.js';
import type { Steps } from '../domain-storage.js';
import type { Db } from './connection.js';
import type { Sync } from './sync.js';

export type { Repositories, RepositoryName };

/** Every domain's SQLite repositories, by name, as the registry lists them. */
const ENTRIES = Object.values(DOMAIN_STORAGE).flatMap((storage) => Object.entries(storage.sqlite.repositories)) as [
  RepositoryName,
  { open(db: Db): unknown; steps: Steps<unknown> },
][];

export const REPOSITORY_NAMES: readonly RepositoryName[] = ENTRIES.map(([name]) => name);

/** The repositories over one connection, answering at once. */
export function repositories(db: Db): { [R in RepositoryName]: Sync<Repositories[R]> } {
  return Object.fromEntries(ENTRIES.map(([name, repository]) => [name, repository.open(db)])) as {
    [R in RepositoryName]: Sync<Repositories[R]>;
  };
}

/** Which steps of the repository write (see Steps). */
export function stepsOf<R extends RepositoryName>(name: R): Steps<Repositories[R]> {
  return ENTRIES.find(([entry]) => entry === name)![1].steps as Steps<Repositories[R]>;
}
