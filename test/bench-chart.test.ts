// The benchmark's chart (bench/chart.ts): a well-formed SVG that names every fast scenario and
// marks each target, from a summary like the one a run produces.
import { describe, expect, it } from 'vitest';
import { chartSvg } from '../bench/chart.js';
import { type Measurement, summarize } from '../bench/report.js';

const run = (rps: number, cpuUsPerRequest: number): Measurement => ({
  durationSeconds: 5,
  rps,
  ok: rps * 5,
  non2xx: 0,
  errors: 0,
  statusCodes: { 200: rps * 5 },
  p50: 0.4,
  p99: 1.2,
  loadCpu: 0.5,
  cpuUsPerRequest,
});

/** Opening and closing tags pair up, attributes are quoted, and no `&` or `<` stands unescaped in text. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  for (const [tag, close, name, attrs, selfClosing] of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (!tag || !name || attrs === undefined) return false;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClosing) stack.push(name);
  }
  const text = body.replace(/<[^>]*>/g, '');
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;)/.test(text) && !text.includes('<');
}

describe('the bench chart', () => {
  it('when a run measured server and ceiling, then the SVG is well-formed, names each scenario and marks each target', () => {
    const summary = summarize(
      [
        {
          round: 1,
          runs: {
            version: { server: run(9000, 110), ceiling: run(10_000, 100) },
            me: { server: run(4000, 250), ceiling: run(5000, 200) },
            'me-refresh': { server: run(3000, 330), ceiling: run(4000, 250) },
          },
          rss: { server: 80, ceiling: 60 },
        },
      ],
      { server: 80, ceiling: 60 },
    );
    const svg = chartSvg(summary, 'a test run <on & off>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('a test run &lt;on &amp; off&gt;');
    for (const scenario of ['version', 'me', 'me-refresh']) expect(svg).toContain(`>${scenario}</text>`);
    // One target line per scenario in each of the two panels, and each verdict as measured.
    expect(svg.match(/class="target"/g)).toHaveLength(6);
    expect(svg).toContain('0.90× PASS');
    expect(svg).toContain('0.80× FAIL');
    expect(svg).toContain('0.75× FAIL');
  });

  it('when the sides were measured in slices, then the ratio is the median of the side-by-side pairs, not of the totals', () => {
    const sliced = (rps: number[], cpu: number[]): Measurement => ({
      ...run(rps.reduce((a, b) => a + b, 0) / rps.length, 100),
      slices: rps.map((r, k) => ({ rps: r, cpuUsPerRequest: cpu[k]! })),
    });
    // One slow second of the server's (a stall of the machine's) pulls its total down by a sixth.
    const summary = summarize(
      [
        {
          round: 1,
          runs: {
            version: { server: sliced([9000, 4500, 9000], [110, 220, 110]), ceiling: sliced([10_000, 10_000, 10_000], [100, 100, 100]) },
          },
          rss: { server: 80, ceiling: 60 },
        },
      ],
      { server: 80, ceiling: 60 },
    );
    expect(summary.ratios.version).toBeCloseTo(0.9);
    expect(summary.ratios.cpu.version).toBeCloseTo(100 / 110);
    expect(summary.targets.find((target) => target.name.startsWith('version'))?.pass).toBe(true);
  });
});
