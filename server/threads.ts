import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` (no extension) beside `from` (the caller's
 * import.meta.url): name.js in the built package. From the TypeScript sources (tsx, vitest) it is
 * name.ts, which a worker cannot load by itself: Node 20 does not carry the parent's --import
 * loaders into workers, so the thread registers tsx's require hook before requiring it.
 */
export function startThread(from: string, name: string, workerData?: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`${name}.js`, from), { workerData });
  const tsx = createRequire(from).resolve('tsx/cjs/api');
  const script = fileURLToPath(new URL(`${name}.ts`, from));
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(script)});`, { eval: true, workerData });
}
