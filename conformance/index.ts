// The suite as a library: `runConformance` checks one server at a URL and returns the report; the
// CLI and our own tests both call it.
import { randomInt } from 'node:crypto';
import { accountChecks } from './checks/accounts/index.js';
import { apiChecks } from './checks/api.js';
import { authChecks } from './checks/auth.js';
import { connectionChecks } from './checks/connections.js';
import { contractChecks } from './checks/contract.js';
import { fuzzChecks } from './checks/fuzz.js';
import { healthChecks } from './checks/health.js';
import { rateLimitChecks } from './checks/rate-limit.js';
import { refreshChecks } from './checks/refresh.js';
import { sessionChecks } from './checks/sessions/index.js';
import { timingChecks } from './checks/timing.js';
import { tokenChecks } from './checks/tokens.js';
import { validationChecks } from './checks/validation.js';
import { createContext, DEFAULT_SLOW_CONNECTIONS } from './context.js';
import { CONTRACT_FILE, type Contract, compileContract } from './contract.js';
import { Http } from './http.js';
import { ruleResults } from './rules.js';
import { type Check, type CheckResult, type Report, runChecks } from './runner.js';

export { CONTRACT_FILE, type Contract, compileContract } from './contract.js';
export { type RuleOutcome, type RuleResult, ruleResults, unknownRules } from './rules.js';
export type { Check, CheckResult, Report } from './runner.js';

export interface ConformanceOptions {
  /** Where the server under test listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Fuzz cases per property (properties that make the server hash passwords run a quarter). */
  runs?: number;
  /** fast-check seed; random when absent, always in the report so a failure can be rerun. */
  seed?: number;
  /** Only the checks whose id starts with one of these prefixes. */
  only?: string[];
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  /** How many slow connections connections.per-address opens at most from one loopback address. */
  slowConnections?: number;
  /** The contract to check against, compiled or as a file; the package's own copy unless told. */
  contract?: Contract | string | URL;
  /** Called as each check ends, e.g. to print it. */
  onResult?: (result: CheckResult) => void;
}

export const DEFAULT_RUNS = 200;
export const DEFAULT_TIMEOUT_MS = 30_000;
export { DEFAULT_SLOW_CONNECTIONS } from './context.js';

/**
 * Every check, in the order they run: fuzzing after the deterministic checks, then the token checks
 * (one reads every session the run began, one may wait tokens out), the tallies, the connections
 * one address may hold (after the tallies, which it would not add to, and from addresses of its
 * own), and last the rate limit (exhausting it would starve any check after it).
 */
export function allChecks(contract: Contract): Check[] {
  return [
    ...apiChecks(contract),
    ...healthChecks(),
    ...accountChecks(contract),
    ...timingChecks(),
    ...authChecks(contract),
    ...validationChecks(contract),
    ...refreshChecks(contract),
    ...sessionChecks(contract),
    ...fuzzChecks(contract),
    ...tokenChecks(contract),
    ...contractChecks(contract),
    ...connectionChecks(),
    // Last: exhausting the rate limit would starve every check after it.
    ...rateLimitChecks(contract),
  ];
}

export async function runConformance(options: ConformanceOptions): Promise<Report> {
  const started = Date.now();
  const contract =
    typeof options.contract === 'object' && 'index' in options.contract
      ? options.contract
      : compileContract(options.contract ?? CONTRACT_FILE);
  const seed = options.seed ?? randomInt(2 ** 31 - 1);
  const runs = options.runs ?? DEFAULT_RUNS;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const http = new Http(baseUrl, contract, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const ctx = createContext(contract, http, seed, runs, options.slowConnections ?? DEFAULT_SLOW_CONNECTIONS);
  const checks = allChecks(contract).filter(
    (check) => !options.only?.length || check.id === 'server.reachable' || options.only.some((prefix) => check.id.startsWith(prefix)),
  );
  const results = await runChecks(checks, ctx, options.onResult ?? (() => {}));
  return {
    baseUrl,
    seed,
    runs,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results,
    rules: ruleResults(contract, allChecks(contract), results),
    passed: results.filter((r) => r.outcome === 'pass').length,
    failed: results.filter((r) => r.outcome === 'fail').length,
    skipped: results.filter((r) => r.outcome === 'skip').length,
  };
}
