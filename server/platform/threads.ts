import { readFileSync } from 'node:fs';
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

/**
 * Like startThread, but the module's code is read now, once, and each thread is started from that
 * copy in memory: a thread started later (the first hash, or one replacing a thread that died)
 * does not depend on the installed files still being there, which an upgrade in place replaces
 * under a running server. The module may import only Node's own modules (`node:…`): from memory,
 * there is no folder to resolve a relative import against. From the TypeScript sources it is
 * startThread as is: a checkout is not upgraded under a running server.
 */
export function preloadThread(from: string, name: string): (workerData?: unknown) => Worker {
  if (from.endsWith('.ts')) return (workerData) => startThread(from, name, workerData);
  const code = readFileSync(new URL(`${name}.js`, from), 'utf8');
  const url = new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  return (workerData) => new Worker(url, { workerData });
}
