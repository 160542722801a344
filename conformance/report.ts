// What a run prints and writes: one line per check, a final tally, and optional JSON and JUnit
// XML files for CI.
import { writeFileSync } from 'node:fs';
import type { RuleResult } from './rules.js';
import type { CheckResult, Report } from './runner.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line per check: outcome, id, the rules it proves, title, and the reason when it failed or was skipped. */
export function formatResult(result: CheckResult): string {
  const reason = result.reason ? ` — ${result.reason.replace(/\s*\n\s*/g, ' ')}` : '';
  const rules = result.rules.length > 0 ? ` [${result.rules.join(', ')}]` : '';
  return `${MARK[result.outcome]} ${result.id}${rules}: ${result.title}${reason}`;
}

const RULE_MARK = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  'not run': '----',
  untestable: 'N/A ',
  unchecked: 'NONE',
} as const;

/**
 * The rules table: per rule its standing, id and statement, then the checks that prove it with
 * their outcomes (or why none can). A rule fails when any of its checks failed.
 */
export function formatRules(rules: RuleResult[]): string {
  return rules
    .map((rule) => {
      const checks =
        rule.untestable !== undefined
          ? `untestable over HTTP: ${rule.untestable}`
          : rule.checks.length === 0
            ? 'no check proves it'
            : rule.checks.map((check) => (check.outcome ? `${check.id} ${MARK[check.outcome]}` : check.id)).join(', ');
      return `${RULE_MARK[rule.outcome]} ${rule.id}: ${rule.rule.replace(/\s+/g, ' ')}\n       ← ${checks}`;
    })
    .join('\n');
}

/** `N passed, M failed` (plus `, K skipped` when any were). */
export function formatTally(report: Pick<Report, 'passed' | 'failed' | 'skipped'>): string {
  return `${report.passed} passed, ${report.failed} failed${report.skipped > 0 ? `, ${report.skipped} skipped` : ''}`;
}

/** `N rules: …` counted by standing, e.g. `41 rules: 38 passed, 3 untestable over HTTP`. */
export function formatRuleTally(rules: RuleResult[]): string {
  const words = {
    pass: 'passed',
    fail: 'failed',
    skip: 'skipped',
    'not run': 'not run',
    untestable: 'untestable over HTTP',
    unchecked: 'without a check',
  } as const;
  const counts = Object.entries(words)
    .map(([outcome, word]) => [rules.filter((rule) => rule.outcome === outcome).length, word] as const)
    .filter(([count]) => count > 0)
    .map(([count, word]) => `${count} ${word}`);
  return `${rules.length} rules: ${counts.join(', ')}`;
}

export function writeJson(file: string, report: Report): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const xml = (text: string) =>
  text
    // Characters XML 1.0 cannot carry at all, even escaped.
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function toJUnit(report: Report): string {
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="azuma-conformance.${xml(r.topic)}" name="${xml(`${r.id}: ${r.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
    if (r.outcome === 'pass') return `${open}/>`;
    const inner =
      r.outcome === 'fail'
        ? `<failure message="${xml(r.reason ?? '')}">${xml(r.reason ?? '')}</failure>`
        : `<skipped message="${xml(r.reason ?? '')}"/>`;
    return `${open}>\n      ${inner}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="azuma-conformance" tests="${report.results.length}" failures="${report.failed}" skipped="${report.skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="azuma-conformance ${xml(report.baseUrl)}" tests="${report.results.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" timestamp="${report.startedAt}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `    <properties><property name="seed" value="${report.seed}"/><property name="runs" value="${report.runs}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function writeJUnit(file: string, report: Report): void {
  writeFileSync(file, toJUnit(report));
}
