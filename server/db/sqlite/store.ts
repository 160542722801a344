import { resolve } from 'node:path';
import type { Store, Warn } from '../store.js';
import { openDatabase } from './open.js';
import { REPOSITORY_NAMES, type Repositories, type RepositoryName, repositories, stepsOf } from './repositories.js';
import { asynchronous, type Sync } from './sync.js';
import { startWriter, type Writer } from './writer-client.js';

/**
 * The embedded default: one SQLite file (created and migrated on first start), or `:memory:`.
 *
 * A file's writes run on a writer thread (writer-worker.ts), so the fsync of each commit never blocks
 * the event loop, and writes that queue up meanwhile share one commit; reads run here, on a
 * connection of their own, beside it (WAL). `:memory:` is one connection that no thread can
 * share, so there every step runs here, as it is quick: nothing is fsynced.
 */
export function sqliteStore(path: string, warn?: Warn): Store {
  const db = openDatabase(path, warn);
  const ping = db.prepare('SELECT 1');
  const local = repositories(db);
  if (path === ':memory:') {
    return {
      engine: 'sqlite',
      ...byName((name) => asynchronous<Repositories[typeof name]>(local[name] as never)),
      ping: async () => void ping.get(),
      close: async () => void db.close(),
    };
  }
  // This connection only reads from here on: a write through it would wait on the writer's lock
  // with the event loop blocked, so it fails at once instead.
  db.pragma('query_only = ON');
  // Absolute, so the thread opens this very file whatever the working directory becomes.
  const writer = startWriter(resolve(path), warn);
  const split = <R extends RepositoryName>(repository: R): Repositories[R] => splitRepository(repository, local[repository], writer);
  return {
    engine: 'sqlite',
    ...byName(split),
    async ping() {
      if (writer.failure) throw writer.failure;
      ping.get();
    },
    async close() {
      try {
        await writer.close();
      } finally {
        db.close();
      }
    },
  };
}

/** The repository with its reads answered here and its writes sent to the writer thread. */
function splitRepository<R extends RepositoryName>(repository: R, local: Sync<Repositories[R]>, writer: Writer): Repositories[R] {
  const reads = asynchronous<Repositories[R]>(local) as unknown as Record<string, unknown>;
  const steps = Object.entries(stepsOf(repository)) as [string, 'read' | 'write'][];
  return Object.fromEntries(
    steps.map(([method, side]) => [method, side === 'read' ? reads[method] : (...args: unknown[]) => writer.run(repository, method, args)]),
  ) as unknown as Repositories[R];
}

/** Every repository of the registry, each made by `make`. */
function byName(make: <R extends RepositoryName>(name: R) => Repositories[R]): Repositories {
  return Object.fromEntries(REPOSITORY_NAMES.map((name) => [name, make(name)])) as unknown as Repositories;
}
