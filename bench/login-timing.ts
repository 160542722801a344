// Measures the conformance check accounts.timing itself: how often it fails a correct server (false
// alarms) and how often it catches one that skips the password hash for names with no account
// (detection), with the machine kept busy. It runs the check's own measurement, run after run,
// against four servers taking turns, so all four see the same load:
//   owasp       the real server (server/main.ts, its own process), OWASP scrypt, in memory
//   owasp-skip  the same behind a proxy that answers 401 at once to names never registered
//   cheap       the app at test cost (scrypt ln=10), in this process, as the self-test's shared server
//   cheap-skip  that behind the same proxy (one cheap hash is below the check's 10 ms floor: it passes)
//
//   npx tsx bench/login-timing.ts [--runs 100] [--load 2] [--only owasp,owasp-skip]
//
// --load N keeps N extra processes spinning on the CPU for the whole measurement. Prints a table
// and writes every run's figures to bench/results/login-timing.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureLoginTiming, type TimingComparison } from '../conformance/checks/timing.js';
import { createContext } from '../conformance/context.js';
import { compileContract } from '../conformance/contract.js';
import { Http } from '../conformance/http.js';
import { errorResponse, type ProxiedRequest, startBrokenServer } from '../test/support/breaking-proxy.js';
import { startServer } from '../test/support/server.js';
import { spawnServer } from '../tools/server-process.js';
import { median, percentile } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    load: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const SCENARIOS = ['owasp', 'owasp-skip', 'cheap', 'cheap-skip'] as const;
type Scenario = (typeof SCENARIOS)[number];
const chosen = SCENARIOS.filter((s) => !args.only || args.only.split(',').includes(s));

/** A proxy answering 401 at once to a login whose name was never registered through it. */
function skippingHash(upstream: string) {
  const names = new Set<string>();
  const name = (req: ProxiedRequest) => {
    try {
      return String((JSON.parse(req.body) as { name?: unknown }).name).toLowerCase();
    } catch {
      return '';
    }
  };
  return startBrokenServer(upstream, {
    answer: (req) => (req.path === '/api/login' && !names.has(name(req)) ? errorResponse(401, 'UNAUTHORIZED') : undefined),
    response(req, res) {
      if (req.path === '/api/register' && res.status === 200) names.add(name(req));
      return res;
    },
  });
}

const spinners: ChildProcess[] = Array.from({ length: Number(args.load) }, () =>
  spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }),
);
const dir = mkdtempSync(join(tmpdir(), 'azuma-login-timing-'));
const serverLog = join(dir, 'server.log');
const contract = compileContract();
const loadBefore = loadavg();
const closers: (() => Promise<unknown>)[] = [];
const results = new Map<Scenario, TimingComparison[]>(chosen.map((s) => [s, []]));
let completed = 0;
let failure: unknown;
try {
  const real = await spawnServer({ AZUMA_DB: ':memory:' }, { logFile: serverLog });
  closers.push(() => real.stop());
  const cheap = await startServer();
  closers.push(() => cheap.close());
  const realSkip = await skippingHash(real.url);
  const cheapSkip = await skippingHash(cheap.url);
  closers.push(realSkip.close, cheapSkip.close);
  const urls: Record<Scenario, string> = { owasp: real.url, 'owasp-skip': realSkip.url, cheap: cheap.url, 'cheap-skip': cheapSkip.url };

  for (let run = 1; run <= RUNS; run++) {
    for (const scenario of chosen) {
      // A fresh context per run, as each conformance run has: a new account, a new connection pool.
      const http = new Http(urls[scenario].replace(/\/+$/, ''), contract, 60_000);
      const t = await measureLoginTiming(createContext(contract, http, run, 1));
      results.get(scenario)!.push(t);
      const verdict = t.differs ? 'FAIL' : 'pass';
      console.log(
        `run ${run} ${scenario}: ${verdict} gap ${t.medianGapMs.toFixed(1)} ms, ${t.wrongPasswordSlower}/${t.pairs} wrong-password slower, p ${t.pValue.toExponential(1)}`,
      );
    }
    completed = run;
  }
} catch (error) {
  // A long measurement on a shared machine can lose its server: report what was measured, keep the log.
  failure = error;
  console.error(`stopped after ${completed} complete runs: ${String(error)}; the server's log stays in ${serverLog}`);
} finally {
  for (const close of closers) await close().catch(() => {});
  for (const spinner of spinners) spinner.kill();
  if (!failure) rmSync(dir, { recursive: true, force: true });
}
for (const runs of results.values()) runs.splice(completed);

const fmt = (n: number) => n.toFixed(1);
console.log(
  `\n${completed} runs per server, ${spinners.length} spinning processes, ${cpus().length} CPUs, load ${loadBefore[0]!.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
);
console.log(
  'server      failed  median gap ms (min/median/max)  wrong-password slower (min/max of 20)  p (min/max)  wrong-password median ms',
);
for (const [scenario, runs] of results) {
  const gaps = runs.map((t) => t.medianGapMs);
  const slower = runs.map((t) => t.wrongPasswordSlower);
  const p = runs.map((t) => t.pValue);
  console.log(
    [
      scenario.padEnd(11),
      `${runs.filter((t) => t.differs).length}/${runs.length}`.padEnd(7),
      `${fmt(Math.min(...gaps))}/${fmt(median(gaps))}/${fmt(Math.max(...gaps))}`.padEnd(31),
      `${Math.min(...slower)}/${Math.max(...slower)}`.padEnd(39),
      `${Math.min(...p).toExponential(1)}/${Math.max(...p).toExponential(1)}`.padEnd(12),
      `${fmt(median(runs.map((t) => t.wrongPasswordMedianMs)))} (p90 ${fmt(
        percentile(
          runs.map((t) => t.wrongPasswordMedianMs),
          90,
        ),
      )})`,
    ].join(' '),
  );
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/login-timing.json'),
  `${JSON.stringify({ runs: completed, load: spinners.length, cpus: cpus().length, results: Object.fromEntries(results) }, null, 2)}\n`,
);
if (failure) process.exitCode = 1;
