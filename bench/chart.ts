// The run at a glance (bench/results/latest.svg, shown in docs/benchmarks.md): for each fast scenario the
// server's bar beside the bare ceiling's, in req/s and in CPU µs per answer, each with its target
// marked (req/s: the share of the ceiling to reach; CPU: the most per answer that share allows).
// A pure function of the summary, hand-written SVG: nothing to install.
import { FAST_TARGETS, type Summary } from './report.js';

const WIDTH = 760;
const HEIGHT = 320;
const PANEL = { top: 64, bottom: 270, width: 330 };
const COLORS = { ceiling: '#9aa5b1', server: '#2f6fdf', pass: '#1a7f37', fail: '#cf222e', target: '#cf222e', text: '#24292f' };

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const text = (x: number, y: number, body: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${xmlEscape(body)}</text>`;
const round = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

interface Bar {
  scenario: string;
  ceiling: number;
  server: number;
  /** Where the target line goes, in the panel's unit. */
  target: number;
  pass: boolean;
  label: string;
}

function panel(x0: number, title: string, bars: readonly Bar[]): string {
  const max = Math.max(1, ...bars.flatMap((bar) => [bar.ceiling, bar.server, bar.target]).filter(Number.isFinite)) * 1.1;
  const height = PANEL.bottom - PANEL.top;
  const y = (value: number) => PANEL.bottom - (Number.isFinite(value) ? (value / max) * height : 0);
  const group = PANEL.width / Math.max(1, bars.length);
  const barWidth = Math.min(38, group / 3);
  const parts = [
    text(x0, PANEL.top - 10, title, 'font-weight="600"'),
    `<line x1="${x0}" y1="${PANEL.bottom}" x2="${x0 + PANEL.width}" y2="${PANEL.bottom}" stroke="${COLORS.text}" stroke-width="1"/>`,
  ];
  bars.forEach((bar, i) => {
    const left = x0 + i * group + (group - 2 * barWidth - 4) / 2;
    for (const [side, value, x] of [
      ['ceiling', bar.ceiling, left],
      ['server', bar.server, left + barWidth + 4],
    ] as const) {
      parts.push(
        `<rect class="${side}" x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(PANEL.bottom - y(value)).toFixed(1)}" fill="${COLORS[side]}"><title>${xmlEscape(`${bar.scenario} ${side}: ${round(value)}`)}</title></rect>`,
        text(x + barWidth / 2, y(value) - 4, Number.isFinite(value) ? round(value) : '–', 'text-anchor="middle" font-size="10"'),
      );
    }
    const targetY = y(bar.target).toFixed(1);
    parts.push(
      `<line class="target" x1="${(left - 6).toFixed(1)}" y1="${targetY}" x2="${(left + 2 * barWidth + 10).toFixed(1)}" y2="${targetY}" stroke="${COLORS.target}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      text(left + barWidth + 2, PANEL.bottom + 16, bar.scenario, 'text-anchor="middle" font-size="12"'),
      text(
        left + barWidth + 2,
        PANEL.bottom + 32,
        bar.label,
        `text-anchor="middle" font-size="11" fill="${bar.pass ? COLORS.pass : COLORS.fail}"`,
      ),
    );
  });
  return parts.join('\n  ');
}

/** The SVG document for one run's summary; `subtitle` says when and where it ran. */
export function chartSvg(summary: Summary, subtitle: string): string {
  const row = (scenario: string, side: 'server' | 'ceiling') => summary.rows.find((r) => r.scenario === scenario && r.side === side);
  const measured = FAST_TARGETS.filter(({ scenario }) => row(scenario, 'server') && row(scenario, 'ceiling'));
  const verdict = (ratio: number, min: number) => `${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}× ${ratio >= min ? 'PASS' : 'FAIL'}`;
  const throughput = measured.map(({ scenario, key, min }) => {
    const ceiling = row(scenario, 'ceiling')!.rps;
    const ratio = summary.ratios[key];
    return {
      scenario,
      ceiling,
      server: row(scenario, 'server')!.rps,
      target: ceiling * min,
      pass: ratio >= min,
      label: verdict(ratio, min),
    };
  });
  const cpu = measured.map(({ scenario, key, min }) => {
    const ceiling = row(scenario, 'ceiling')!.cpuUsPerRequest;
    const ratio = summary.ratios.cpu[key];
    return {
      scenario,
      ceiling,
      server: row(scenario, 'server')!.cpuUsPerRequest,
      target: ceiling / min,
      pass: ratio >= min,
      label: verdict(ratio, min),
    };
  });
  const legend = [
    `<rect x="430" y="14" width="12" height="12" fill="${COLORS.ceiling}"/>`,
    text(447, 24, 'bare Fastify ceiling', 'font-size="11"'),
    `<rect x="565" y="14" width="12" height="12" fill="${COLORS.server}"/>`,
    text(582, 24, 'Azuma server', 'font-size="11"'),
    `<line x1="660" y1="20" x2="684" y2="20" stroke="${COLORS.target}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    text(688, 24, 'target', 'font-size="11"'),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" fill="${COLORS.text}">
  <rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>
  ${text(20, 22, 'npm run bench: server vs bare Fastify (medians)', 'font-weight="600" font-size="14"')}
  ${text(20, 38, subtitle, 'font-size="11"')}
  ${legend.join('\n  ')}
  ${panel(30, 'req/s (higher is better)', throughput)}
  ${panel(400, 'CPU µs per answer (lower is better)', cpu)}
</svg>
`;
}
