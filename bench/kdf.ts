// The KDF ceiling: raw scrypt with the server's own parameters and hashing concurrency, nothing
// else (no HTTP, no database), in a process of its own. Login cannot beat this; the benchmark
// reports how close it comes. argv[2]: seconds to run. Prints one KdfResult (JSON) line.
import { randomBytes, scrypt } from 'node:crypto';
import { loadConfig } from '../server/config.js';
import { OWASP_SCRYPT } from '../server/domains/accounts/passwords.js';
import { percentile } from './stats.js';

export interface KdfResult {
  /** Hashes completed per second. */
  rate: number;
  hashes: number;
  durationSeconds: number;
  concurrency: number;
  params: { ln: number; r: number; p: number };
  /** Milliseconds per hash. */
  p50: number;
  p99: number;
}

const durationMs = Number(process.argv[2] ?? '5') * 1000;
// The same setting, with the same default (CPU count), as the server's hashing semaphore.
const concurrency = loadConfig(process.env).hashConcurrency;
const { ln, r, p } = OWASP_SCRYPT;
const N = 2 ** ln;

const derive = (salt: Buffer) =>
  new Promise<void>((resolve, reject) =>
    scrypt('correct horse battery', salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err) => (err ? reject(err) : resolve())),
  );

const started = performance.now();
const deadline = started + durationMs;
const times: number[] = [];
// Like autocannon's count, a hash still running at the deadline is not counted.
const worker = async () => {
  for (;;) {
    const begun = performance.now();
    await derive(randomBytes(16));
    const ended = performance.now();
    if (ended > deadline) return;
    times.push(ended - begun);
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
const result: KdfResult = {
  rate: times.length / (durationMs / 1000),
  hashes: times.length,
  durationSeconds: durationMs / 1000,
  concurrency,
  params: { ln, r, p },
  p50: percentile(times, 50),
  p99: percentile(times, 99),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
