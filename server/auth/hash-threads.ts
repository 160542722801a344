// The threads that run scrypt (hash-thread.ts), shared by the process like libuv's pool they
// replace: a thread is started when a hash finds none idle, and an idle one keeps nothing alive.
// How many hash at once is the caller's to bound (passwords.ts), and so is how many threads exist.
import type { ScryptOptions } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads.js';

export interface HashJob {
  password: string;
  salt: Uint8Array;
  keyLength: number;
  options: ScryptOptions;
}

export type HashReply = { key: Uint8Array } | { error: string };

const idle = new Set<Worker>();

function startHashThread(): Worker {
  const worker = startThread(import.meta.url, './hash-thread');
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
