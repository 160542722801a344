// Load runs in a process of its own, so the load generator never shares an event loop or a core's
// time slice with what it measures. Reads a LoadSpec or an AlternatingSpec (JSON) from argv, runs
// autocannon, prints one LoadResult or AlternatingResult (JSON) line.

import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { cpuMs, pin } from './proc.js';
import { percentile } from './stats.js';

export interface LoadSpec {
  /** Full URL, path included. */
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** For register: every request names a fresh user, `${prefix}${counter}` (the counter in decimal). */
  freshNames?: { prefix: string; password: string };
  /** Requests take these in turn (headers merged, body replaced), e.g. many users' tokens rather than one. */
  variants?: Array<{ headers?: Record<string, string>; body?: string }>;
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; as fast as answers come when absent. */
  rate?: number;
  /**
   * Seconds at the start whose latencies are not recorded: this process's own cold start. A fresh
   * generator took 10–30 ms over each connection's first answers, from a warm server, which alone
   * made a 120-sample p99.
   */
  warmupSeconds?: number;
  /** Seconds to wait before starting, e.g. until a login storm fills the hashing queue. */
  delaySeconds?: number;
}

export interface LoadResult {
  durationSeconds: number;
  /** 2xx answers per second: an error answer never counts as throughput. */
  rps: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Latency of 2xx answers in ms, from autocannon's float timings (its histogram rounds to 1 ms). */
  p50: number;
  p99: number;
  /** This process's CPU time over wall time: near 1.0 the generator, not the server, may be the limit. */
  loadCpu: number;
}

/**
 * Servers measured in turn by one warm generator, in slices: A B, B A, A B… Noise on a shared
 * machine comes in stretches of seconds, so sides measured a second apart share it, where two 5-s
 * runs one after the other often did not.
 */
export interface AlternatingSpec {
  /** Each side's load (durationSeconds is its total over the slices) and the process billed for its CPU time. */
  sides: Array<{ spec: LoadSpec; pid: number }>;
  slices: number;
  /**
   * Seconds of unrecorded load on each side first, for the generator (a fresh one's first second ran
   * at a third to a half of its pace, which would bill whichever side went first) and for sides
   * that sat idle.
   */
  warmupSeconds: number;
  /** The CPUs this generator runs on (taskset's list), when the run keeps it off the measured servers'. */
  cpus?: string;
}

export interface AlternatingResult {
  /** Per side, in the order given: its slices together, with the CPU time its process used in them. */
  sides: Array<LoadResult & { processCpuMs: number; slices: Slice[] }>;
}

/** One slice of one side: its 2xx answers per second and its process's CPU time per answer (µs). */
export interface Slice {
  rps: number;
  cpuUsPerRequest: number;
}

interface Run extends Omit<LoadResult, 'p50' | 'p99' | 'loadCpu'> {
  /** Latencies of the 2xx answers recorded, ms. */
  latencies: number[];
  /** This process's CPU time and the wall time, ms. */
  cpu: number;
  wall: number;
}

const summary = ({ latencies, cpu, wall, ...run }: Run): LoadResult => ({
  ...run,
  p50: percentile(latencies, 50),
  p99: percentile(latencies, 99),
  loadCpu: cpu / wall,
});

async function alternate(spec: AlternatingSpec): Promise<AlternatingResult> {
  if (spec.cpus !== undefined && !pin(process.pid, spec.cpus)) throw new Error(`cannot run the load generator on CPUs ${spec.cpus}`);
  for (const side of spec.sides) await run({ ...side.spec, durationSeconds: spec.warmupSeconds });
  const totals = spec.sides.map(() => ({ runs: [] as Run[], cpu: [] as number[] }));
  for (let slice = 0; slice < spec.slices; slice++) {
    // Every other slice reversed: neither side always goes first.
    const order = spec.sides.map((_, i) => i);
    if (slice % 2 === 1) order.reverse();
    for (const i of order) {
      const { spec: load, pid } = spec.sides[i]!;
      const before = cpuMs(pid);
      totals[i]!.runs.push(await run({ ...load, durationSeconds: load.durationSeconds / spec.slices }));
      totals[i]!.cpu.push(cpuMs(pid) - before);
    }
  }
  return {
    sides: totals.map(({ runs, cpu }) => {
      const sum = (pick: (run: Run) => number) => runs.reduce((total, run) => total + pick(run), 0);
      const statusCodes: Record<string, number> = {};
      for (const run of runs)
        for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
      const durationSeconds = sum((run) => run.durationSeconds);
      const ok = sum((run) => run.ok);
      return {
        ...summary({
          durationSeconds,
          rps: ok / durationSeconds,
          ok,
          non2xx: sum((run) => run.non2xx),
          errors: sum((run) => run.errors),
          statusCodes,
          latencies: runs.flatMap((run) => run.latencies),
          cpu: sum((run) => run.cpu),
          wall: sum((run) => run.wall),
        }),
        processCpuMs: cpu.reduce((total, ms) => total + ms, 0),
        slices: runs.map((run, k) => ({ rps: run.rps, cpuUsPerRequest: (cpu[k]! * 1000) / (run.ok + run.non2xx) })),
      };
    }),
  };
}

async function run(spec: LoadSpec): Promise<Run> {
  if (spec.delaySeconds) await sleep(spec.delaySeconds * 1000);
  let counter = 0;
  const fresh = spec.freshNames;
  const variants = spec.variants;
  const instance = autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(fresh && {
      requests: [
        {
          // Decimal, not base 36: `…x1` and `…xl` share a confusable skeleton, so the second answered 409.
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ name: `${fresh.prefix}${counter++}`, password: fresh.password }),
          }),
        },
      ],
    }),
    ...(variants && {
      requests: [
        {
          setupRequest: (request) => {
            const variant = variants[counter++ % variants.length]!;
            return {
              ...request,
              headers: { ...request.headers, ...variant.headers },
              ...(variant.body !== undefined && { body: variant.body }),
            };
          },
        },
      ],
    }),
    connections: spec.connections,
    duration: spec.durationSeconds,
    timeout: 30,
    // A fixed rate is a probe, one request per interval at most: autocannon's coordinated-omission
    // correction would invent samples (with an interval computed in the wrong unit, 1 ms).
    ...(spec.rate === undefined ? {} : { overallRate: spec.rate, ignoreCoordinatedOmission: true }),
  });
  const latencies: number[] = [];
  const recordFrom = performance.now() + (spec.warmupSeconds ?? 0) * 1000;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300 && performance.now() >= recordFrom) latencies.push(responseTime);
  });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - started;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]));
  return {
    durationSeconds: result.duration,
    rps: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    latencies,
    cpu: (cpu.user + cpu.system) / 1000,
    wall,
  };
}

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec | AlternatingSpec;
if ('sides' in spec) {
  process.stdout.write(`${JSON.stringify(await alternate(spec))}\n`);
} else {
  process.stdout.write(`${JSON.stringify(summary(await run(spec)))}\n`);
}
