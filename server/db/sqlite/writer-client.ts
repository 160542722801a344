import { startThread } from '../../platform/threads.js';
import type { Warn } from '../store.js';
import type { RepositoryName } from './repositories.js';
import { errorFrom, type FromWriter, revive, type ToWriter, type WriterData } from './writer-protocol.js';

/** The main thread's end of the writer thread (writer-worker.ts). */
export interface Writer {
  /** Runs the step on the writer thread; resolves once the COMMIT that holds it returned. */
  run(repository: RepositoryName, method: string, args: unknown[]): Promise<unknown>;
  /** Why the writer stopped, once it stopped without being closed: every write since rejects with it. */
  readonly failure: Error | undefined;
  /** Commits what was sent, then ends the thread. */
  close(): Promise<void>;
}

/** Starts the thread that writes to the database at `path` (opened and migrated already). */
export function startWriter(path: string, warn: Warn = (message) => console.warn(message)): Writer {
  const worker = startThread(import.meta.url, './writer-worker', { path } satisfies WriterData);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let failure: Error | undefined;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  // An idle writer does not keep the process alive; one with writes in flight does, until they are answered.
  worker.unref();
  const settled = () => {
    if (pending.size === 0) worker.unref();
  };

  worker.on('message', (replies: FromWriter) => {
    for (const reply of replies) {
      const caller = pending.get(reply.id);
      if (!caller) continue;
      pending.delete(reply.id);
      if (reply.ok) caller.resolve(revive(reply.value));
      else caller.reject(errorFrom(reply.error));
    }
    settled();
  });
  const stopped = (error: Error) => {
    failure ??= error;
    for (const caller of pending.values()) caller.reject(failure);
    pending.clear();
    settled();
  };
  worker.on('error', (error) => {
    warn('the SQLite writer thread failed: every write fails until a restart', { err: error.message });
    stopped(error);
  });
  worker.on('exit', (code) => {
    if (closing && code === 0) return stopped(new Error('the store is closed'));
    if (failure) return;
    warn('the SQLite writer thread stopped: every write fails until a restart', { exitCode: code });
    stopped(new Error(`the SQLite writer thread stopped (exit code ${code})`));
  });

  return {
    run(repository, method, args) {
      if (failure) return Promise.reject(failure);
      if (closing) return Promise.reject(new Error('the store is closed'));
      const id = nextId++;
      const request: ToWriter = { id, repository, method, args };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        try {
          worker.postMessage(request);
        } catch (error) {
          // Arguments that cannot be cloned: this step fails, and nothing waits for an answer.
          pending.delete(id);
          settled();
          throw error;
        }
      });
    },
    get failure() {
      return failure;
    },
    async close() {
      if (!closing && !failure) {
        closing = true;
        worker.ref();
        worker.postMessage({ close: true } satisfies ToWriter);
      }
      await exited;
    },
  };
}
