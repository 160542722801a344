import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { type ServerProcess, spawnServer } from '../tools/server-process.js';
import type { LoadResult, LoadSpec } from './load.js';
import { cpuMs, machine, memory, peakRss, waitIdle } from './proc.js';
import { type QueryPlan, queryPlans } from './query-plans.js';
import { type Seeded, seed } from './scale-seed.js';
import { runScript } from './script.js';
import { type SweepTiming, sweepTiming } from './sweep-timing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');

const { values: args } = parseArgs({
  options: {
    /** Accounts (each with one live session) per database, comma-separated. */
    sizes: { type: 'string', default: '1000,100000,1000000' },
    /** Keep-alive sockets for the connection runs, on the largest database. */
    connections: { type: 'string', default: '10,100,1000' },
    /** Seconds per load run. */
    duration: { type: 'string', default: '5' },
    /** Expired sessions for the sweep to delete (at most one per two accounts), spread over the table. */
    expired: { type: 'string', default: '20000' },
    /** Keep the temp folder (databases and server logs). */
    keep: { type: 'boolean', default: false },
  },
});
const numbers = (list: string) => list.split(',').map((item) => Number(item.replace(/_/g, '')));
const SIZES = numbers(args.sizes);
const CONNECTIONS = numbers(args.connections);
const DURATION = Number(args.duration);
const EXPIRED = Number(args.expired);
for (const value of [...SIZES, ...CONNECTIONS, DURATION, EXPIRED]) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--sizes, --connections, --duration, --expired take whole numbers ≥ 1`);
}

/** Connections of the size runs: those of `npm run bench`'s fast scenarios. */
const SIZE_CONNECTIONS = 10;
/** Tokens and names the load runs take in turn, spread over the table: lookups all over the index, not one hot path. */
const SAMPLES = 1000;
const PASSWORD = 'correct horse battery';
// The server's defaults for what the rows' times derive from, read as the server reads them.
const config = loadConfig({});
const SESSION_HEADER = 'azuma-session';

/** Waits until the server is idle, so no run pays for the last. */
const settle = (pid: number, timeoutMs = 30_000) => waitIdle([pid], timeoutMs);

interface Run {
  connections: number;
  /** Answers per second with the expected status (200, or 409 for the name lookup). */
  rps: number;
  /** Answers with another status, plus socket errors: must be 0. */
  errors: number;
  p50: number;
  p99: number;
  /** Server CPU time per answer (µs), from /proc. */
  cpuUs: number;
  /** The load generator's CPU ÷ wall: near 1.0, it may be the limit rather than the server. */
  loadCpu: number;
  /** The server's peak resident set during the run, MiB. */
  rssPeakMiB: number;
}

async function measure(server: ServerProcess, spec: LoadSpec, expected: number): Promise<Run> {
  const pid = server.child.pid!;
  await settle(pid);
  const rss = peakRss(pid);
  const cpuBefore = cpuMs(pid);
  const result = await runScript<LoadResult>('bench/load.ts', JSON.stringify(spec));
  const cpu = cpuMs(pid) - cpuBefore;
  const rssPeakMiB = rss.stop();
  const answers = Object.values(result.statusCodes).reduce((sum, count) => sum + count, 0);
  const good = result.statusCodes[String(expected)] ?? 0;
  return {
    connections: spec.connections,
    rps: good / result.durationSeconds,
    errors: answers - good + result.errors,
    // load.ts times 2xx answers only; the 409 lookup's latency is in its rate.
    p50: result.p50,
    p99: result.p99,
    cpuUs: answers > 0 ? (cpu * 1000) / answers : Number.NaN,
    loadCpu: result.loadCpu,
    rssPeakMiB,
  };
}

/** Fails the run unless `url` answers `status`: a bench of the wrong answer measures nothing. */
async function expectStatus(url: string, init: RequestInit, status: number): Promise<void> {
  const response = await fetch(url, init);
  if (response.status !== status)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}, not ${status}: ${await response.text()}`);
}

interface SizeResult {
  seeded: Omit<Seeded, 'tokens' | 'names'>;
  rssIdleMiB: number;
  runs: { me: Run; lookup: Run; version: Run };
  /** req/s at this size ÷ req/s at the smallest. */
  vsSmallest: { me: number; lookup: number; version: number };
  sweep: { backlog: SweepTiming; idle: SweepTiming };
  /** Statements whose plan reads a whole table or index. */
  scans: { sql: string; scans: string[] }[];
}

async function main(): Promise<void> {
  const temp = mkdtempSync(join(tmpdir(), 'azuma-scale-'));
  const started = new Date();
  const loadStart = loadavg();
  const sizes: SizeResult[] = [];
  let connections: { accounts: number; runs: Run[] } | undefined;
  let plans: QueryPlan[] = [];
  console.log(`azuma bench:scale: sizes ${SIZES.join(', ')}; connections ${CONNECTIONS.join(', ')}; ${DURATION} s per run; temp ${temp}`);
  try {
    for (const [index, accounts] of SIZES.entries()) {
      const env = {
        AZUMA_DB: join(temp, `scale-${accounts}.sqlite`),
        AZUMA_LOG_LEVEL: 'info',
        // Room for the largest connection run and the load generator's reconnects.
        AZUMA_MAX_CONNECTIONS: String(Math.max(...CONNECTIONS) * 2 + 64),
        // Every socket of the load generator comes from one address.
        AZUMA_MAX_CONNECTIONS_PER_IP: String(Math.max(...CONNECTIONS) * 2 + 64),
      };
      // One log per process: spawnServer reads the first "listening at" line of its file.
      const logFile = (name: string) => join(temp, `${name}-${accounts}.log`);
      // The server makes the schema (every migration), then the rows go in while it is down.
      await (await spawnServer(env, { logFile: logFile('schema') })).stop();
      const { tokens, names, ...seeded } = await seed(env.AZUMA_DB, {
        accounts,
        expired: EXPIRED,
        password: PASSWORD,
        ttlMs: config.sessionTtlSeconds * 1000,
        maxAgeMs: config.sessionMaxAgeSeconds * 1000,
        samples: SAMPLES,
      });
      console.log(
        `${accounts} accounts: seeded ${seeded.liveSessions} live + ${seeded.expiredSessions} expired sessions in ${seeded.seconds.toFixed(1)} s (${seeded.fileMiB.toFixed(0)} MiB)`,
      );
      plans = queryPlans(env.AZUMA_DB);

      const server = await spawnServer(env, { logFile: logFile('server') });
      let runs: SizeResult['runs'];
      let rssIdleMiB: number;
      let exitCode: number | null;
      try {
        const pid = server.child.pid!;
        rssIdleMiB = memory(pid).rss;
        const me = (connections: number): LoadSpec => ({
          url: `${server.url}/api/me`,
          variants: tokens.map((token) => ({ headers: { [SESSION_HEADER]: token } })),
          connections,
          durationSeconds: DURATION,
        });
        // A name lookup nobody signs in for: registering a taken name is answered 409 after the
        // users index says so, before any hashing.
        const lookup: LoadSpec = {
          url: `${server.url}/api/register`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          variants: names.map((name) => ({ body: JSON.stringify({ name, password: PASSWORD }) })),
          connections: SIZE_CONNECTIONS,
          durationSeconds: DURATION,
        };
        const version: LoadSpec = { url: `${server.url}/api/`, connections: SIZE_CONNECTIONS, durationSeconds: DURATION };
        await expectStatus(`${server.url}/api/me`, { headers: { [SESSION_HEADER]: tokens.at(-1)! } }, 200);
        await expectStatus(
          `${server.url}/api/register`,
          { method: 'POST', headers: lookup.headers!, body: lookup.variants![0]!.body! },
          409,
        );
        // Warm-up: JIT, SQLite's page cache and the OS's file cache settle first.
        for (const spec of [me(SIZE_CONNECTIONS), lookup, version])
          await runScript('bench/load.ts', JSON.stringify({ ...spec, durationSeconds: 2 }));
        runs = {
          me: await measure(server, me(SIZE_CONNECTIONS), 200),
          lookup: await measure(server, lookup, 409),
          version: await measure(server, version, 200),
        };
        console.log(
          `  me ${runs.me.rps.toFixed(0)} req/s, lookup ${runs.lookup.rps.toFixed(0)} req/s, version ${runs.version.rps.toFixed(0)} req/s`,
        );
        if (index === SIZES.length - 1) {
          connections = { accounts, runs: [] };
          for (const count of CONNECTIONS) {
            const run = await measure(server, me(count), 200);
            connections.runs.push(run);
            console.log(
              `  ${count} connections: ${run.rps.toFixed(0)} req/s, p99 ${run.p99.toFixed(1)} ms, RSS ${run.rssPeakMiB.toFixed(0)} MiB`,
            );
          }
        }
      } finally {
        exitCode = await server.stop();
      }
      if (exitCode !== 0) throw new Error(`the server exited with ${exitCode}:\n${server.output().slice(-2000)}`);

      // No server holds the file now: the sweep has it to itself, as a server's sweeper has its event loop.
      const sweep = await sweepTiming(env.AZUMA_DB);
      console.log(
        `  sweep: ${sweep.backlog.rows} rows in ${sweep.backlog.batches} batches, ${sweep.backlog.ms.toFixed(0)} ms; longest batch ${sweep.backlog.maxBatchMs.toFixed(1)} ms (median ${sweep.backlog.medianBatchMs.toFixed(1)}, last ${sweep.backlog.lastBatchMs.toFixed(1)}); again with nothing expired: ${sweep.idle.ms.toFixed(1)} ms`,
      );

      const first = sizes[0]?.runs ?? runs;
      sizes.push({
        seeded,
        rssIdleMiB,
        runs,
        vsSmallest: {
          me: runs.me.rps / first.me.rps,
          lookup: runs.lookup.rps / first.lookup.rps,
          version: runs.version.rps / first.version.rps,
        },
        sweep,
        scans: plans.filter((plan) => plan.scans.length > 0).map(({ sql, scans }) => ({ sql, scans })),
      });
    }

    const report = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(loadStart),
      settings: {
        sizes: SIZES,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        sizeConnections: SIZE_CONNECTIONS,
        samples: SAMPLES,
        expired: EXPIRED,
      },
      sizes,
      connections,
      /** The plans of the server's statements on the largest database. */
      queryPlans: plans,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'scale.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\n${markdown(report)}\nresults: bench/results/scale.json`);
  } finally {
    if (args.keep) console.log(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true });
  }
}

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const thousands = (value: number) => value.toLocaleString('en-US');

function markdown(report: {
  machine: { loadavgStart: number[]; loadavgEnd: number[] };
  sizes: SizeResult[];
  connections: { accounts: number; runs: Run[] } | undefined;
  queryPlans: QueryPlan[];
}): string {
  const lines = [
    `load average ${report.machine.loadavgStart.map((n) => n.toFixed(2)).join(' ')} → ${report.machine.loadavgEnd.map((n) => n.toFixed(2)).join(' ')}`,
    '',
    '| accounts | sessions live + expired | DB MiB | `/api/me` req/s (× smallest) | p99 ms | CPU µs/r | name lookup req/s (×) | `/api/` req/s (×) | RSS idle / peak MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const size of report.sizes) {
    const { seeded, runs, vsSmallest } = size;
    const peak = Math.max(runs.me.rssPeakMiB, runs.lookup.rssPeakMiB, runs.version.rssPeakMiB);
    lines.push(
      `| ${thousands(seeded.accounts)} | ${thousands(seeded.liveSessions)} + ${thousands(seeded.expiredSessions)} | ${fixed(seeded.fileMiB)} | ${fixed(runs.me.rps)} (${fixed(vsSmallest.me, 2)}) | ${fixed(runs.me.p99, 1)} | ${fixed(runs.me.cpuUs)} | ${fixed(runs.lookup.rps)} (${fixed(vsSmallest.lookup, 2)}) | ${fixed(runs.version.rps)} (${fixed(vsSmallest.version, 2)}) | ${fixed(size.rssIdleMiB)} / ${fixed(peak)} |`,
    );
  }
  lines.push(
    '',
    'The expired-session sweep (batches of the sweeper; the event loop is blocked one batch at a time):',
    '',
    '| accounts | rows deleted | batches | total ms | longest batch ms | median batch ms | last batch ms | event loop max ms | sweep with nothing expired, ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const { seeded, sweep } of report.sizes) {
    const { backlog, idle } = sweep;
    lines.push(
      `| ${thousands(seeded.accounts)} | ${thousands(backlog.rows)} | ${backlog.batches} | ${fixed(backlog.ms)} | ${fixed(backlog.maxBatchMs, 1)} | ${fixed(backlog.medianBatchMs, 1)} | ${fixed(backlog.lastBatchMs, 1)} | ${fixed(backlog.loopMaxMs, 1)} | ${fixed(idle.ms, 1)} |`,
    );
  }
  const errors = report.sizes.reduce((sum, size) => sum + size.runs.me.errors + size.runs.lookup.errors + size.runs.version.errors, 0);
  lines.push('', `errors (unexpected status or socket): ${errors}`);
  if (report.connections) {
    lines.push(
      '',
      `\`/api/me\` on ${thousands(report.connections.accounts)} accounts by keep-alive sockets:`,
      '',
      '| sockets | req/s | p50 ms | p99 ms | CPU µs/r | RSS peak MiB | errors | load generator CPU |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const run of report.connections.runs) {
      lines.push(
        `| ${thousands(run.connections)} | ${fixed(run.rps)} | ${fixed(run.p50, 1)} | ${fixed(run.p99, 1)} | ${fixed(run.cpuUs)} | ${fixed(run.rssPeakMiB)} | ${run.errors} | ${fixed(run.loadCpu, 2)} |`,
      );
    }
  }
  lines.push(
    '',
    'Query plans on the largest database (every statement of the sessions, users and login-attempts repositories):',
    '',
    '```text',
  );
  for (const plan of report.queryPlans) {
    lines.push(`${plan.scans.length > 0 ? 'SCAN! ' : ''}${plan.repository}: ${plan.sql}`, ...plan.plan.map((step) => `    ${step}`));
  }
  lines.push('```');
  return lines.join('\n');
}

await main();
