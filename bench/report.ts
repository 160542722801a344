// Medians over rounds, the ratios and targets the issue sets, and the printed table.
import type { LoadResult, Slice } from './load.js';
import { median } from './stats.js';

export interface Measurement extends LoadResult {
  /** The measured process's CPU time (all threads) per answer, in µs; NaN where not measured. */
  cpuUsPerRequest: number;
  /** The fast scenarios: the slices this side was measured in, taking turns with the other sides'. */
  slices?: Slice[];
}

/**
 * server / ceiling for version and me; server / kdf for login; server / storm for the storm;
 * `postgres` (with --backend postgres) is the server on PostgreSQL, `server` the one on SQLite.
 */
export type Side = 'server' | 'ceiling' | 'kdf' | 'storm' | 'postgres';

/** What --backend postgres measures on both engines. */
export const POSTGRES_SCENARIOS: readonly string[] = ['version', 'me', 'me-refresh', 'login'];

export interface RoundRecord {
  round: number;
  runs: Record<string, Partial<Record<Side, Measurement>>>;
  /** Peak resident set during the round, MiB. */
  rss: { server: number; ceiling: number };
}

export interface Row {
  scenario: string;
  side: Side;
  rps: number;
  /** (max − min) / median of req/s over rounds: how much the rounds disagreed. */
  spread: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  /** Summed over rounds: non-2xx answers plus connection errors. */
  failures: number;
}

export interface Target {
  name: string;
  value: number;
  goal: string;
  /** null when the run did not measure it (see --only). */
  pass: boolean | null;
}

/** The share of the bare ceiling's req/s the server must reach on each fast scenario (issue #15). */
export const FAST_TARGETS = [
  { scenario: 'version', key: 'version', min: 0.85 },
  { scenario: 'me', key: 'me', min: 0.85 },
  { scenario: 'me-refresh', key: 'meRefresh', min: 0.8 },
] as const;

/** A growth of the per-round RSS peak beyond this share of round 1's counts as growing. */
const RSS_GROWTH_LIMIT = 0.1;

/** `runPeak`: peak RSS over the whole run, start-up and warm-up included, MiB. */
export function summarize(rounds: RoundRecord[], runPeak: { server: number; ceiling: number }) {
  const rows: Row[] = [];
  const scenarios = Object.keys(rounds[0]?.runs ?? {});
  for (const scenario of scenarios) {
    for (const side of ['server', 'ceiling', 'kdf', 'storm', 'postgres'] as const) {
      const runs = rounds.map((round) => round.runs[scenario]?.[side]).filter((run) => run !== undefined);
      if (runs.length === 0) continue;
      const rps = runs.map((run) => run.rps);
      const mid = median(rps);
      rows.push({
        scenario,
        side,
        rps: mid,
        spread: (Math.max(...rps) - Math.min(...rps)) / mid,
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
        cpuUsPerRequest: median(runs.map((run) => run.cpuUsPerRequest)),
        failures: runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
      });
    }
  }
  const row = (scenario: string, side: Side) => rows.find((r) => r.scenario === scenario && r.side === side);
  const rps = (scenario: string, side: Side) => row(scenario, side)?.rps ?? Number.NaN;
  /**
   * Server ÷ ceiling: the median over slices measured one after the other, each server slice with
   * the ceiling slice beside it. This machine's pace swings by a third from one second to the
   * next, for a server measured against itself too; a median of pairs sets the odd slow second
   * aside, where a ratio of totals takes it in. Without slices, the rounds' medians.
   */
  const paired = (
    scenario: string,
    ratio: (server: Slice, ceiling: Slice) => number,
    fallback: (r: (side: Side) => Row | undefined) => number,
  ) => {
    const pairs = rounds.flatMap((round) => {
      const { server, ceiling } = round.runs[scenario] ?? {};
      if (!server?.slices || !ceiling?.slices || server.slices.length !== ceiling.slices.length) return [];
      return server.slices.map((slice, k) => ratio(slice, ceiling.slices![k]!));
    });
    return pairs.length > 0 ? median(pairs) : fallback((side) => row(scenario, side));
  };
  const rpsRatio = (scenario: string) =>
    paired(
      scenario,
      (server, ceiling) => server.rps / ceiling.rps,
      (r) => (r('server')?.rps ?? Number.NaN) / (r('ceiling')?.rps ?? Number.NaN),
    );
  // CPU per answer, ceiling ÷ server: a second opinion.
  const cpuRatio = (scenario: string) =>
    paired(
      scenario,
      (server, ceiling) => ceiling.cpuUsPerRequest / server.cpuUsPerRequest,
      (r) => (r('ceiling')?.cpuUsPerRequest ?? Number.NaN) / (r('server')?.cpuUsPerRequest ?? Number.NaN),
    );

  const ratios = {
    version: rpsRatio('version'),
    me: rpsRatio('me'),
    meRefresh: rpsRatio('me-refresh'),
    login: rps('login', 'server') / rps('login', 'kdf'),
    // Register hashes once, like login, then writes a user and a session.
    register: rps('register', 'server') / rps('login', 'kdf'),
    cpu: { version: cpuRatio('version'), me: cpuRatio('me'), meRefresh: cpuRatio('me-refresh') },
    /** PostgreSQL ÷ SQLite req/s, where --backend postgres measured it: a report, not a target. */
    postgres: Object.fromEntries(
      POSTGRES_SCENARIOS.filter((scenario) => row(scenario, 'postgres')).map((scenario) => [
        scenario,
        rps(scenario, 'postgres') / rps(scenario, 'server'),
      ]),
    ),
  };
  const rssPerRound = rounds.map((round) => round.rss.server);
  const first = rssPerRound[0] ?? Number.NaN;
  const last = rssPerRound.at(-1) ?? Number.NaN;
  const rss = {
    serverPeakPerRound: rssPerRound,
    ceilingPeakPerRound: rounds.map((round) => round.rss.ceiling),
    runPeak,
    growth: (last - first) / first,
  };
  const storm = row('me-under-login-storm', 'server');
  const failures = rows.reduce((sum, r) => sum + r.failures, 0);

  const target = (name: string, value: number, goal: string, pass: (value: number) => boolean): Target => ({
    name,
    value,
    goal,
    pass: Number.isNaN(value) ? null : pass(value),
  });
  const targets: Target[] = [
    ...FAST_TARGETS.map(({ scenario, key, min }) =>
      target(`${scenario}: server ÷ bare ceiling req/s`, ratios[key], `≥ ${min.toFixed(2)}`, (v) => v >= min),
    ),
    target('login: server ÷ KDF ceiling', ratios.login, '≥ 0.90', (v) => v >= 0.9),
    target('/api/me p99 during login storm (ms)', storm?.p99 ?? Number.NaN, '< 10', (v) => v < 10),
    target('server RSS peak growth, first → last round', rss.growth, `≤ ${RSS_GROWTH_LIMIT}`, (v) => v <= RSS_GROWTH_LIMIT),
    target('error answers (non-2xx + socket errors)', failures, '= 0', (v) => v === 0),
  ];
  return { rows, ratios, rss, targets };
}

export type Summary = ReturnType<typeof summarize>;

const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const pad = (cells: string[], widths: number[]) =>
  cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

export function printReport(report: {
  machine: { cpus: number; cpuModel: string; node: string; loadavgStart: number[]; loadavgEnd: number[] };
  settings: { rounds: number; probeRate: number; hashConnections: number; hashConcurrency: number };
  summary: Summary;
}): void {
  const { machine, settings, summary } = report;
  const load = (avg: number[]) => avg.map((value) => value.toFixed(2)).join(' ');
  console.log(
    `\n${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; load average ${load(machine.loadavgStart)} before, ${load(machine.loadavgEnd)} after`,
  );
  console.log(
    `medians of ${settings.rounds} rounds; login/register/storm: ${settings.hashConnections} connections, hashing concurrency ${settings.hashConcurrency}\n`,
  );

  const widths = [22, 8, 9, 7, 8, 8, 9, 7];
  console.log(pad(['scenario', 'side', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'CPU µs/r', 'errors'], widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of summary.rows) {
    const label =
      row.scenario === 'me-under-login-storm' && row.side === 'server'
        ? `probe @${settings.probeRate}`
        : row.side === 'storm'
          ? 'logins'
          : row.side === 'postgres'
            ? 'pg'
            : row.side;
    console.log(
      pad(
        [
          row.scenario,
          label,
          num(row.rps, row.rps < 100 ? 1 : 0),
          `${num(row.spread * 100)}%`,
          num(row.p50, 2),
          num(row.p99, 2),
          num(row.cpuUsPerRequest),
          String(row.failures),
        ],
        widths,
      ),
    );
  }
  const { ratios } = summary;
  console.log('\nratios (server ÷ ceiling: medians over the slices measured side by side; login: of medians)');
  console.log(
    `  version     server ÷ ceiling  ${num(ratios.version, 3)}   (CPU per request, ceiling ÷ server: ${num(ratios.cpu.version, 3)})`,
  );
  console.log(`  me          server ÷ ceiling  ${num(ratios.me, 3)}   (CPU per request, ceiling ÷ server: ${num(ratios.cpu.me, 3)})`);
  console.log(
    `  me-refresh  server ÷ ceiling  ${num(ratios.meRefresh, 3)}   (CPU per request, ceiling ÷ server: ${num(ratios.cpu.meRefresh, 3)})`,
  );
  console.log(`  login       server ÷ KDF      ${num(ratios.login, 3)}`);
  console.log(`  register    server ÷ KDF      ${num(ratios.register, 3)}   (one hash, like login, then two inserts)`);
  const mib = (values: number[]) => values.map((value) => num(value, 1)).join(', ');
  console.log(
    `\nserver RSS peak per round (MiB): ${mib(summary.rss.serverPeakPerRound)}; whole run ${num(summary.rss.runPeak.server, 1)} MiB`,
  );
  console.log(
    `ceiling RSS peak per round (MiB): ${mib(summary.rss.ceilingPeakPerRound)}; whole run ${num(summary.rss.runPeak.ceiling, 1)} MiB`,
  );
  console.log('\nfor docs/benchmarks.md:\n');
  console.log(markdownTable(summary));
  if (Object.keys(ratios.postgres).length > 0) {
    console.log('\nPostgreSQL beside SQLite (the same server; CPU counts the Node process only, not PostgreSQL backends):\n');
    console.log(postgresTable(summary));
  }
  console.log('\ntargets');
  for (const target of summary.targets) {
    console.log(
      `  ${target.pass === null ? '----' : target.pass ? 'PASS' : 'FAIL'}  ${target.name.padEnd(44)} ${num(target.value, 3).padStart(8)}  ${target.goal}`,
    );
  }
}

/** The fast scenarios as a markdown table for docs/benchmarks.md: server beside the bare ceiling, with the ratios and targets. */
export function markdownTable(summary: Summary): string {
  const lines = [
    '| scenario | ceiling req/s | server req/s | ratio | target | ceiling CPU µs/answer | server CPU µs/answer | CPU ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { scenario, key, min } of FAST_TARGETS) {
    const find = (side: Side) => summary.rows.find((row) => row.scenario === scenario && row.side === side);
    const [ceiling, server] = [find('ceiling'), find('server')];
    if (!ceiling || !server) continue;
    const ratio = summary.ratios[key];
    lines.push(
      `| ${scenario} | ${num(ceiling.rps)} | ${num(server.rps)} | ${num(ratio, 2)} ${ratio >= min ? 'PASS' : 'FAIL'} | ≥ ${min.toFixed(2)} | ${num(ceiling.cpuUsPerRequest)} | ${num(server.cpuUsPerRequest)} | ${num(summary.ratios.cpu[key], 2)} |`,
    );
  }
  return lines.join('\n');
}

/** --backend postgres: the same server on PostgreSQL beside SQLite, as a markdown table; no targets, a report. */
export function postgresTable(summary: Summary): string {
  const lines = [
    '| scenario | SQLite req/s | PostgreSQL req/s | PostgreSQL ÷ SQLite | SQLite p99 ms | PostgreSQL p99 ms | SQLite CPU µs/answer | PostgreSQL CPU µs/answer |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [scenario, ratio] of Object.entries(summary.ratios.postgres)) {
    const find = (side: Side) => summary.rows.find((row) => row.scenario === scenario && row.side === side);
    const [sqlite, postgres] = [find('server'), find('postgres')];
    if (!sqlite || !postgres) continue;
    // Login completes a couple per second: its tenths matter.
    const rate = (rps: number) => num(rps, rps < 100 ? 1 : 0);
    lines.push(
      `| ${scenario} | ${rate(sqlite.rps)} | ${rate(postgres.rps)} | ${num(ratio, 2)} | ${num(sqlite.p99, 2)} | ${num(postgres.p99, 2)} | ${num(sqlite.cpuUsPerRequest)} | ${num(postgres.cpuUsPerRequest)} |`,
    );
  }
  return lines.join('\n');
}
