// A small check runner: checks run one after another (they share accounts), each ends as passed,
// failed with a reason, or skipped with a reason.

import type { Context } from './context.js';
import { CheckFailed } from './http.js';
import type { RuleResult } from './rules.js';

export type Outcome = 'pass' | 'fail' | 'skip';

export interface Check {
  /** Stable id, `topic.name`; `--only` selects by prefix. */
  id: string;
  /** What a conforming server does, in one line. */
  title: string;
  /** Ids of the contract's rules (`x-rules`) this check proves; empty only for the reachability probe. */
  rules: string[];
  run(ctx: Context): Promise<void>;
}

export interface CheckResult {
  id: string;
  topic: string;
  title: string;
  rules: string[];
  outcome: Outcome;
  /** Why it failed or was skipped. */
  reason?: string;
  durationMs: number;
}

export interface Report {
  baseUrl: string;
  seed: number;
  runs: number;
  startedAt: string;
  durationMs: number;
  results: CheckResult[];
  /** Each rule of the contract with the checks that prove it and what they found. */
  rules: RuleResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** Thrown by a check that does not apply to this server (counts as neither pass nor fail). */
export class Skipped extends Error {}

export async function runChecks(checks: Check[], ctx: Context, onResult: (result: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let abort: string | undefined;
  for (const check of checks) {
    const topic = check.id.split('.')[0]!;
    const started = performance.now();
    let outcome: Outcome = 'pass';
    let reason: string | undefined;
    if (abort) {
      outcome = 'skip';
      reason = abort;
    } else {
      try {
        await check.run(ctx);
      } catch (error) {
        if (error instanceof Skipped) outcome = 'skip';
        else outcome = 'fail';
        reason = error instanceof Error ? error.message : String(error);
        // A crash in the suite itself is reported with its stack: it is our bug, not the server's.
        if (!(error instanceof CheckFailed) && !(error instanceof Skipped) && error instanceof Error) {
          reason = `the suite itself failed: ${error.stack ?? error.message}`;
        }
      }
      if (check.id === 'server.reachable' && outcome === 'fail') abort = 'the server did not answer at the base URL';
    }
    const result: CheckResult = {
      id: check.id,
      topic,
      title: check.title,
      rules: check.rules,
      outcome,
      ...(reason !== undefined ? { reason } : {}),
      durationMs: Math.round(performance.now() - started),
    };
    results.push(result);
    onResult(result);
  }
  return results;
}
