import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { type PostgresCluster, startPostgres } from '../tools/postgres-cluster.js';
import { type ServerProcess, spawnServer } from '../tools/server-process.js';
import { chartSvg } from './chart.js';
import { explainRows, explainTable, STEPS } from './explain.js';
import type { KdfResult } from './kdf.js';
import type { AlternatingResult, AlternatingSpec, LoadResult, LoadSpec } from './load.js';
import { cpuMs, machine, memory, peakRss, pin, waitIdle } from './proc.js';
import { type Measurement, POSTGRES_SCENARIOS, printReport, type RoundRecord, type Side, summarize } from './report.js';
import { runScript } from './script.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    /** Seconds per side and round for the fast scenarios (version, me, me-refresh). */
    duration: { type: 'string', default: '5' },
    /** The slices each side's seconds are cut into, the sides taking turns (bench/load.ts, AlternatingSpec). */
    slices: { type: 'string', default: '5' },
    /** Seconds per run for the hashing-bound ones (login, KDF, register, storm): they complete few requests. */
    'hash-duration': { type: 'string', default: '6' },
    /** Write V8 CPU profiles of the server and the ceiling to bench/results/profiles/{server,ceiling}/. */
    profile: { type: 'boolean', default: false },
    /** Keep the temp folder (database and server logs). */
    keep: { type: 'boolean', default: false },
    /** Comma-separated scenarios to run (all by default), e.g. --only version,me while profiling. */
    only: { type: 'string' },
    /** Instead of the scenarios: the cost table, CPU per answer with each layer of the server switched on in turn. */
    explain: { type: 'boolean', default: false },
    /** `postgres`: also a server on a throwaway PostgreSQL cluster, measured beside the SQLite one (version, me, me-refresh, login). */
    backend: { type: 'string', default: 'sqlite' },
  },
});
if (args.backend !== 'sqlite' && args.backend !== 'postgres') throw new Error(`--backend is sqlite or postgres, not ${args.backend}`);
const POSTGRES = args.backend === 'postgres';
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const SLICES = Number(args.slices);
const HASH_DURATION = Number(args['hash-duration']);

// Both servers read the same variables, so this resolves their hashing settings as they do.
const config = loadConfig({ ...process.env, AZUMA_AUTH_RATE_LIMIT: '0' });
/** Keeps hashing saturated (8 per hashing slot) without ever overflowing its queue into 503s. */
const HASH_CONNECTIONS = Math.min(8 * config.hashConcurrency, config.hashQueueLimit + config.hashConcurrency);
const FAST_CONNECTIONS = 10;
/** /api/me during the login storm: a fixed low rate, so its latency, not its throughput, is the measure. */
const PROBE_RATE = 20;
const PASSWORD = 'correct horse battery';

/** The serving process: spawnServer runs node itself, no wrapper in between. */
const pid = (server: ServerProcess) => server.child.pid!;

const load = (spec: LoadSpec) => runScript<LoadResult>('bench/load.ts', JSON.stringify(spec));

/** The KDF ceiling as a row like the others: hashes per second, ms per hash. */
async function kdf(seconds: number): Promise<Measurement> {
  await settle();
  const result = await runScript<KdfResult>('bench/kdf.ts', String(seconds));
  return {
    durationSeconds: result.durationSeconds,
    rps: result.rate,
    ok: result.hashes,
    non2xx: 0,
    errors: 0,
    statusCodes: {},
    p50: result.p50,
    p99: result.p99,
    loadCpu: Number.NaN,
    cpuUsPerRequest: Number.NaN,
  };
}

/** Servers to let go idle before each run. */
const quiet: number[] = [];

/** Waits until every server is idle, so no run pays for the last. */
const settle = (timeoutMs = 60_000) => waitIdle(quiet, timeoutMs);

/**
 * Unrecorded load on each side before its slices. The ceiling, idle while the server served the
 * hashing scenarios, came back at under half its pace and took about 3 s of load to reach it again;
 * a 1-s warm-up left that in its first slices, to the server's advantage.
 */
const SIDE_WARMUP_SECONDS = 3;

/**
 * Where the fast scenarios run: the generator on the first CPU, the measured servers (every
 * thread) on the rest. Left to the scheduler, the gap between server and ceiling was itself a
 * draw: 7.5 to 15.8 µs per pipelined answer over four pairs of processes, against 5.6 to 7.9
 * pinned. The hashing scenarios keep every CPU. Undefined on one CPU, or where taskset cannot set
 * this process's CPUs (to all of them, as they are).
 */
const CPUS = availableParallelism();
const split = CPUS >= 2 && pin(process.pid, `0-${CPUS - 1}`) ? { load: '0', server: `1-${CPUS - 1}`, all: `0-${CPUS - 1}` } : undefined;

/** A load run, with the server's CPU time per answer taken from /proc around it. */
async function measure(pid: number, spec: LoadSpec): Promise<Measurement> {
  await settle();
  const before = cpuMs(pid);
  const result = await load(spec);
  return withCpu(result, cpuMs(pid) - before);
}

function withCpu(result: LoadResult, processCpuMs: number): Measurement {
  const answers = result.ok + result.non2xx;
  return { ...result, cpuUsPerRequest: answers > 0 ? (processCpuMs * 1000) / answers : Number.NaN };
}

/**
 * The sides of a fast scenario measured in turn, slice by slice, by one generator (load.ts's
 * AlternatingSpec), on `split`'s CPUs; one Measurement per side, in order.
 */
async function measureInTurn(sides: Array<{ pid: number; spec: LoadSpec }>): Promise<Measurement[]> {
  await settle();
  for (const side of sides)
    if (split && !pin(side.pid, split.server)) throw new Error(`cannot run process ${side.pid} on CPUs ${split.server}`);
  try {
    const spec: AlternatingSpec = { sides, slices: SLICES, warmupSeconds: SIDE_WARMUP_SECONDS, ...(split && { cpus: split.load }) };
    const result = await runScript<AlternatingResult>('bench/load.ts', JSON.stringify(spec));
    return result.sides.map(({ processCpuMs, ...side }) => withCpu(side, processCpuMs));
  } finally {
    if (split) for (const side of sides) pin(side.pid, split.all);
  }
}

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

async function session(base: string, path: '/api/register' | '/api/login', name: string): Promise<string> {
  const response = await call(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** Status, content type, successor token and body: what a client acts on (the security headers are the server's own). */
async function answer(url: string, token?: string): Promise<string> {
  const response = await call(url, token ? { headers: { 'azuma-session': token } } : {});
  const headers = ['content-type', 'azuma-session'].map((name) => [name, response.headers.get(name)]);
  return JSON.stringify({ status: response.status, headers, body: await response.text() });
}

/** Fails the run unless `other` answers `path` as the server does: the ratio compares like with like. */
async function expectSameAnswer(path: string, server: ServerProcess, other: ServerProcess, token?: string): Promise<void> {
  const [ours, theirs] = [await answer(`${server.url}${path}`, token), await answer(`${other.url}${path}`, token)];
  if (ours !== theirs) throw new Error(`${other.url} answers ${path} differently:\nserver  ${ours}\nother   ${theirs}`);
}

/** Fails the run unless `token` opens /api/me on `base`, carrying a successor exactly when `refreshes`. */
async function expectMe(base: string, token: string, refreshes: boolean): Promise<string | null> {
  const response = await call(`${base}/api/me`, { headers: { 'azuma-session': token } });
  const successor = response.headers.get('azuma-session');
  if (Boolean(successor) !== refreshes)
    throw new Error(`${base}/api/me ${refreshes ? 'did not refresh' : 'refreshed'} a token it should${refreshes ? '' : ' not'}`);
  return successor;
}

/** `--explain`: every step of STEPS as a process of its own, CPU per answer on the fast scenarios, rounds alternating the order. */
async function explainCosts(
  env: Record<string, string>,
  temp: string,
  sides: { server: ServerProcess; ceiling: ServerProcess },
  specs: Record<string, (base: string) => LoadSpec>,
  expectAlike: (other: ServerProcess) => Promise<void>,
  processes: ServerProcess[],
): Promise<void> {
  const servers: ServerProcess[] = [];
  for (const [i, step] of STEPS.entries()) {
    if (!step.env) {
      servers.push(sides[step.build]);
      continue;
    }
    const variant = await spawnServer({ ...env, ...step.env }, { logFile: join(temp, `explain-${i}.log`) });
    processes.push(variant);
    quiet.push(pid(variant));
    await expectAlike(variant);
    servers.push(variant);
  }
  const scenarios = Object.keys(specs);
  for (const server of servers) for (const spec of Object.values(specs)) await load({ ...spec(server.url), durationSeconds: 2 });
  const samples = servers.map(() =>
    Object.fromEntries(scenarios.map((scenario) => [scenario, { cpu: [] as number[], rps: [] as number[] }])),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scenario of scenarios) {
      const results = await measureInTurn(servers.map((server) => ({ pid: pid(server), spec: specs[scenario]!(server.url) })));
      for (const [i, result] of results.entries()) {
        if (result.non2xx + result.errors > 0) throw new Error(`${STEPS[i]!.label}: ${scenario} had failures`);
        samples[i]![scenario]!.cpu.push(result.cpuUsPerRequest);
        samples[i]![scenario]!.rps.push(result.rps);
      }
    }
    console.log(`round ${round}/${ROUNDS} done`);
  }
  const rows = explainRows(samples, scenarios);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'explain.json'),
    `${JSON.stringify({ finishedAt: new Date().toISOString(), rounds: ROUNDS, durationSeconds: DURATION, rows, samples }, null, 2)}\n`,
  );
  console.log(`\nCPU µs per answer, medians of ${ROUNDS} rounds; Δ is what the layer adds to the row above\n`);
  console.log(explainTable(rows, scenarios));
  console.log('\nresults: bench/results/explain.json');
}

async function main(): Promise<void> {
  const temp = mkdtempSync(join(tmpdir(), 'azuma-bench-'));
  const profiles = join(RESULTS, 'profiles');
  const env: Record<string, string> = {
    AZUMA_DB: join(temp, 'azuma.sqlite'),
    AZUMA_AUTH_RATE_LIMIT: '0',
    // The default level: request logging is part of what a deployment pays for, on both sides.
    AZUMA_LOG_LEVEL: 'info',
    // The login load is correct logins, 8 per hashing slot, all from this one client: the per-name
    // lockout counts every attempt before hashing, so it would answer 429 within a second.
    AZUMA_LOGIN_FAILURES_PER_CLIENT: '0',
    AZUMA_LOGIN_FAILURES_PER_ACCOUNT: '0',
  };
  // One folder per server: the file names say only pid and thread (the main thread's is *.0.001.*).
  const nodeArgs = (name: string) => (args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profiles, name)}`] : []);
  const started = new Date();
  const loadStart = loadavg();
  const processes: ServerProcess[] = [];
  let cluster: PostgresCluster | undefined;
  try {
    console.log(`azuma bench: ${ROUNDS} rounds; ${DURATION} s per fast run, ${HASH_DURATION} s per hashing run; temp ${temp}`);
    // The server first: it creates and migrates the database the ceiling then opens.
    const server = await spawnServer(env, { logFile: join(temp, 'server.log'), nodeArgs: nodeArgs('server') });
    processes.push(server);
    const ceiling = await spawnServer(env, {
      script: 'bench/ceiling.ts',
      logFile: join(temp, 'ceiling.log'),
      nodeArgs: nodeArgs('ceiling'),
    });
    processes.push(ceiling);
    quiet.push(pid(server), pid(ceiling));

    // Fixtures. `me`: a token far from expiry (30 days). `me-refresh`: one issued by a second
    // server with a 1-hour TTL on the same database, so it is inside the 7-day window; every
    // request with it returns the same successor (no new rows), which is what that scenario prices.
    // The login load signs in as another account: each login past AZUMA_SESSIONS_PER_USER ends that
    // user's oldest session, which would end these two mid-run.
    const name = `bench${Date.now().toString(36)}`;
    const loginName = `${name}l`;
    const fixtures = async (base: string, serverEnv: Record<string, string>, label: string) => {
      const farToken = await session(base, '/api/register', name);
      await session(base, '/api/register', loginName);
      const issuer = await spawnServer({ ...serverEnv, AZUMA_SESSION_TTL: '3600' }, { logFile: join(temp, `${label}issuer.log`) });
      const nearToken = await session(issuer.url, '/api/login', name).finally(() => issuer.stop());
      return { farToken, nearToken };
    };
    const { farToken, nearToken } = await fixtures(server.url, env, '');
    for (const side of [server, ceiling]) await expectMe(side.url, farToken, false);
    const successors = new Set([await expectMe(server.url, nearToken, true), await expectMe(ceiling.url, nearToken, true)]);
    if (successors.size !== 1) throw new Error('the server and the ceiling disagree on the successor token');
    const expectAlike = async (other: ServerProcess) => {
      await expectSameAnswer('/api/', server, other);
      await expectSameAnswer('/api/me', server, other, farToken);
      await expectSameAnswer('/api/me', server, other, nearToken);
    };
    await expectAlike(ceiling);

    // --backend postgres: the same server and fixtures on a throwaway cluster, measured beside SQLite.
    let postgres: { server: ServerProcess; farToken: string; nearToken: string } | undefined;
    if (POSTGRES) {
      cluster = await startPostgres();
      const pgEnv = { ...env, AZUMA_DB: cluster.url };
      const pgServer = await spawnServer(pgEnv, { logFile: join(temp, 'postgres-server.log') });
      processes.push(pgServer);
      quiet.push(pid(pgServer));
      postgres = { server: pgServer, ...(await fixtures(pgServer.url, pgEnv, 'postgres-')) };
      await expectMe(pgServer.url, postgres.farToken, false);
      await expectMe(pgServer.url, postgres.nearToken, true);
      await expectSameAnswer('/api/', server, pgServer);
    }

    const fast = (path: string, token?: string) => (base: string) => ({
      url: `${base}${path}`,
      ...(token && { headers: { 'azuma-session': token } }),
      connections: FAST_CONNECTIONS,
      durationSeconds: DURATION,
    });
    const fastSpecs = (tokens: { farToken: string; nearToken: string }) => ({
      version: fast('/api/'),
      me: fast('/api/me', tokens.farToken),
      'me-refresh': fast('/api/me', tokens.nearToken),
    });
    const fastScenarios = fastSpecs({ farToken, nearToken });
    const pgScenarios = postgres && fastSpecs(postgres);
    if (args.explain) {
      await explainCosts(env, temp, { server, ceiling }, fastScenarios, expectAlike, processes);
      return;
    }
    const login = (base: string, durationSeconds: number): LoadSpec => ({
      url: `${base}/api/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: loginName, password: PASSWORD }),
      connections: HASH_CONNECTIONS,
      durationSeconds,
    });

    /** Fresh accounts, named `${name}r${tag}x<n>`: each round's own, and the warm-up's. */
    const register = (tag: string, durationSeconds: number): LoadSpec => ({
      url: `${server.url}/api/register`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      freshNames: { prefix: `${name}r${tag}x`, password: PASSWORD },
      connections: HASH_CONNECTIONS,
      durationSeconds,
    });

    type Runs = RoundRecord['runs'][string];
    /** Each round starts one side further along the list: drift hits every side alike. */
    const alternate = async (round: number, runners: Partial<Record<Side, () => Promise<Measurement>>>) => {
      const order = Object.keys(runners) as Side[];
      const runs: Runs = {};
      for (let k = 0; k < order.length; k++) {
        const side = order[(k + round - 1) % order.length]!;
        runs[side] = await runners[side]!();
      }
      return runs;
    };
    const on = (target: ServerProcess, spec: LoadSpec) => () => measure(pid(target), spec);
    const fastScenario = (scenario: keyof typeof fastScenarios) => async () => {
      const sides: Array<[Side, ServerProcess, LoadSpec]> = [
        ['server', server, fastScenarios[scenario](server.url)],
        ['ceiling', ceiling, fastScenarios[scenario](ceiling.url)],
        ...(postgres && pgScenarios
          ? [['postgres', postgres.server, pgScenarios[scenario](postgres.server.url)] as [Side, ServerProcess, LoadSpec]]
          : []),
      ];
      const results = await measureInTurn(sides.map(([, target, spec]) => ({ pid: pid(target), spec })));
      return Object.fromEntries(sides.map(([side], i) => [side, results[i]!])) as Runs;
    };
    const scenarios: Record<string, (round: number) => Promise<Runs>> = {
      version: fastScenario('version'),
      me: fastScenario('me'),
      'me-refresh': fastScenario('me-refresh'),
      login: (round) =>
        alternate(round, {
          server: on(server, login(server.url, HASH_DURATION)),
          kdf: () => kdf(HASH_DURATION),
          ...(postgres && { postgres: on(postgres.server, login(postgres.server.url, HASH_DURATION)) }),
        }),
      register: async (round) => ({ server: await measure(pid(server), register(`${round}`, HASH_DURATION)) }),
      'me-under-login-storm': async () => {
        // The storm starts a second early and ends a second late, so the probe sees only saturation.
        await settle();
        const [storm, probe] = await Promise.all([
          measure(pid(server), login(server.url, HASH_DURATION + 2)),
          load({
            ...fastScenarios.me(server.url),
            connections: 2,
            rate: PROBE_RATE,
            delaySeconds: 1,
            warmupSeconds: 0.5,
            durationSeconds: HASH_DURATION,
          }),
        ]);
        return { server: { ...probe, cpuUsPerRequest: Number.NaN }, storm };
      },
    };
    const selected = args.only?.split(',') ?? Object.keys(scenarios);
    if (postgres && !selected.some((scenario) => POSTGRES_SCENARIOS.includes(scenario)))
      throw new Error(`--backend postgres measures ${POSTGRES_SCENARIOS.join(', ')}: --only names none of them`);
    const unknown = selected.filter((scenario) => !(scenario in scenarios));
    if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);

    // Warm-up: JIT and caches settle before anything is recorded.
    const warm: Array<[ServerProcess, typeof fastScenarios]> = [
      [server, fastScenarios],
      [ceiling, fastScenarios],
      ...(postgres && pgScenarios ? [[postgres.server, pgScenarios] as [ServerProcess, typeof fastScenarios]] : []),
    ];
    for (const [side, specs] of warm) {
      for (const spec of Object.values(specs)) await load({ ...spec(side.url), durationSeconds: 2 });
    }
    if (selected.some((scenario) => ['login', 'register', 'me-under-login-storm'].includes(scenario))) {
      await load(login(server.url, 2));
      if (postgres) await load(login(postgres.server.url, 2));
    }
    // Register too (its inserts, its name and password checks): round 1 then starts where the later
    // rounds start, and the memory comparison is between like rounds. One run without it saw round
    // 1 peak 20 MiB under the other two, which were within 1 % of each other.
    if (selected.includes('register')) await load(register('w', 2));

    // Start-up and warm-up, then each round on its own: a leak shows as peaks rising round by round.
    const warmupPeak = { server: memory(pid(server)).hwm, ceiling: memory(pid(ceiling)).hwm };
    const rounds: RoundRecord[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const samplers = { server: peakRss(pid(server)), ceiling: peakRss(pid(ceiling)) };
      const runs: RoundRecord['runs'] = {};
      for (const scenario of selected) runs[scenario] = await scenarios[scenario]!(round);
      const rss = { server: samplers.server.stop(), ceiling: samplers.ceiling.stop() };
      rounds.push({ round, runs, rss });
      console.log(`round ${round}/${ROUNDS} done; server RSS peak ${rss.server.toFixed(1)} MiB`);
    }

    const peak = {
      server: Math.max(warmupPeak.server, ...rounds.map((round) => round.rss.server)),
      ceiling: Math.max(warmupPeak.ceiling, ...rounds.map((round) => round.rss.ceiling)),
    };
    const exitCodes = {
      server: await server.stop(),
      ceiling: await ceiling.stop(),
      ...(postgres && { postgres: await postgres.server.stop() }),
    };
    if (Object.values(exitCodes).some((code) => code !== 0)) throw new Error(`servers exited with ${JSON.stringify(exitCodes)}`);

    const summary = summarize(rounds, peak);
    const report = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(loadStart),
      settings: {
        rounds: ROUNDS,
        durationSeconds: DURATION,
        slices: SLICES,
        hashDurationSeconds: HASH_DURATION,
        fastConnections: FAST_CONNECTIONS,
        hashConnections: HASH_CONNECTIONS,
        hashConcurrency: config.hashConcurrency,
        hashQueueLimit: config.hashQueueLimit,
        probeRate: PROBE_RATE,
        backend: args.backend,
        /** The fast scenarios' CPUs (generator, server); null where the scheduler placed them. */
        fastCpus: split ? { load: split.load, server: split.server } : null,
      },
      summary,
      rounds,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    const where = `${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, load ${loadStart[0]!.toFixed(2)}`;
    writeFileSync(
      join(RESULTS, 'latest.svg'),
      chartSvg(summary, `${report.finishedAt.slice(0, 16).replace('T', ' ')} UTC; ${ROUNDS} rounds; ${where}`),
    );
    printReport(report);
    console.log(
      `\nresults: bench/results/latest.json and latest.svg${args.profile ? '; CPU profiles: bench/results/profiles/{server,ceiling}/' : ''}`,
    );
    if (summary.targets.some((target) => target.pass === false)) process.exitCode = 1;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await cluster?.stop();
    if (args.keep) console.log(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true });
  }
}

await main();
