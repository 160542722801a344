// The threads that run scrypt (hash-worker.ts), shared by the process like libuv's pool they
// replace: a thread is started when a hash finds none idle, and an idle one keeps nothing alive.
// Its code is read when the server is built, not when the first thread starts (prepareHashThreads).
// How many hash at once is the caller's to bound (passwords.ts), and so is how many threads exist.
import type { ScryptOptions } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { preloadThread } from '../../platform/threads.js';

export interface HashJob {
  password: string;
  salt: Uint8Array;
  keyLength: number;
  options: ScryptOptions;
}

export type HashReply = { key: Uint8Array } | { error: string };

const idle = new Set<Worker>();

let startFromMemory: (() => Worker) | undefined;

/**
 * Reads the hashing thread's code, once: the server calls it as it is built (passwordHasher), so
 * a hash started later needs nothing from disk (see preloadThread).
 */
export function prepareHashThreads(): void {
  startFromMemory ??= preloadThread(import.meta.url, './hash-worker');
}

function startHashThread(): Worker {
  prepareHashThreads();
  const worker = startFromMemory!();
  // A thread that died while idle must not be handed the next hash, which nothing would answer.
  worker.once('exit', () => idle.delete(worker));
  worker.unref();
  return worker;
}

/** scrypt on a hashing thread; rejects if it fails or the thread dies on it (then a new one serves the next). */
export function scryptOnThread(job: HashJob): Promise<Buffer> {
  const next = idle.values().next();
  const worker = next.done ? startHashThread() : next.value;
  idle.delete(worker);
  worker.ref();
  return new Promise((resolve, reject) => {
    const finish = () => {
      worker.off('message', answered).off('error', failed).off('exit', stopped);
      worker.unref();
    };
    const answered = (reply: HashReply) => {
      finish();
      idle.add(worker);
      if ('key' in reply) resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
      else reject(new Error(reply.error));
    };
    const failed = (error: Error) => {
      finish();
      reject(error);
    };
    const stopped = (code: number) => {
      finish();
      reject(new Error(`a hashing thread stopped (exit code ${code})`));
    };
    worker.on('message', answered).on('error', failed).on('exit', stopped);
    worker.postMessage(job);
  });
}
