// The cost table (`npm run bench -- --explain`): bare Fastify (the ceiling), the server as it runs,
// and the server with its access log, each priced in CPU time per answer on the fast scenarios. A
// row's Δ is what it adds to the row above. Pricing each layer of the server apart would need
// switches in the server's code to leave layers out; production code carries none, so the table
// prices the server as a whole against the ceiling.
import { median } from './stats.js';

export interface Step {
  label: string;
  /** `ceiling` is bench/ceiling.ts, `server` the real entry point. */
  build: 'ceiling' | 'server';
  /** Settings of its own, beside the run's. */
  env?: Record<string, string>;
}

export const STEPS: readonly Step[] = [
  { label: 'bare Fastify (the ceiling)', build: 'ceiling' },
  { label: 'the server', build: 'server' },
  { label: 'the server with AZUMA_ACCESS_LOG=true', build: 'server', env: { AZUMA_ACCESS_LOG: 'true' } },
];

export interface ExplainRow {
  label: string;
  /** Median over rounds, per scenario. */
  cpuUsPerAnswer: Record<string, number>;
  rps: Record<string, number>;
}

/** Medians per step and scenario from `samples[step][scenario]` (one value per round). */
export function explainRows(
  samples: readonly Record<string, { cpu: number[]; rps: number[] }>[],
  scenarios: readonly string[],
): ExplainRow[] {
  return STEPS.map((step, i) => ({
    label: step.label,
    cpuUsPerAnswer: Object.fromEntries(scenarios.map((scenario) => [scenario, median(samples[i]?.[scenario]?.cpu ?? [])])),
    rps: Object.fromEntries(scenarios.map((scenario) => [scenario, median(samples[i]?.[scenario]?.rps ?? [])])),
  }));
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const signed = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}` : '–');

/** The table as markdown, ready for docs/benchmarks.md: CPU µs per answer and the Δ of each layer. */
export function explainTable(rows: readonly ExplainRow[], scenarios: readonly string[]): string {
  const head = ['build', ...scenarios.flatMap((scenario) => [`${scenario} µs/answer`, 'Δ'])];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  rows.forEach((row, i) => {
    const previous = rows[i - 1];
    const cells = scenarios.flatMap((scenario) => {
      const value = row.cpuUsPerAnswer[scenario] ?? Number.NaN;
      return [fixed(value), previous ? signed(value - (previous.cpuUsPerAnswer[scenario] ?? Number.NaN)) : ''];
    });
    lines.push(`| ${[row.label, ...cells].join(' | ')} |`);
  });
  const ceiling = rows[STEPS.findIndex((step) => step.build === 'ceiling')];
  const server = rows[STEPS.findIndex((step) => step.build === 'server' && !step.env)];
  if (ceiling && server) {
    const ratio = (scenario: string) => (ceiling.cpuUsPerAnswer[scenario] ?? 0) / (server.cpuUsPerAnswer[scenario] ?? 0);
    const ratios = scenarios.map((scenario) => `${scenario} ${fixed(ratio(scenario), 2)}`);
    lines.push('', `CPU per answer, ceiling ÷ server (default settings): ${ratios.join(', ')}`);
  }
  return lines.join('\n');
}
