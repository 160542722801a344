// The contract's rules (`x-rules`) against the checks: which checks prove each rule and, after a
// run, what they found. `azuma-conformance --rules` prints this table; the repository's tests
// require every rule to have a check or a stated reason why none can exist.
import type { Contract } from './contract.js';
import type { Check, CheckResult, Outcome } from './runner.js';

/** A rule's standing: its checks' outcomes combined, or why no check exists. */
export type RuleOutcome = Outcome | 'not run' | 'untestable' | 'unchecked';

export interface RuleResult {
  id: string;
  rule: string;
  outcome: RuleOutcome;
  /** The checks that declare the rule, with their outcome when they ran. */
  checks: { id: string; outcome?: Outcome }[];
  /** Why no client can observe it, when the contract says so. */
  untestable?: string;
}

/** Any failing check fails its rule; a rule passes when a check passed and none failed. */
function combine(outcomes: (Outcome | undefined)[]): RuleOutcome {
  if (outcomes.includes('fail')) return 'fail';
  if (outcomes.includes('pass')) return 'pass';
  if (outcomes.includes('skip')) return 'skip';
  return 'not run';
}

export function ruleResults(contract: Contract, checks: Check[], results: CheckResult[] = []): RuleResult[] {
  const outcomes = new Map(results.map((result) => [result.id, result.outcome]));
  return contract.index.rules.map(({ id, rule, untestable }) => {
    const proving = checks
      .filter((check) => check.rules.includes(id))
      .map((check) => {
        const outcome = outcomes.get(check.id);
        return outcome ? { id: check.id, outcome } : { id: check.id };
      });
    const outcome: RuleOutcome =
      untestable !== undefined ? 'untestable' : proving.length === 0 ? 'unchecked' : combine(proving.map((c) => c.outcome));
    return { id, rule, outcome, checks: proving, ...(untestable !== undefined ? { untestable } : {}) };
  });
}

/** Rule ids a check names that the contract does not have: a typo, or a rule since removed. */
export function unknownRules(contract: Contract, checks: Check[]): { check: string; rule: string }[] {
  const known = new Set(contract.index.rules.map((rule) => rule.id));
  return checks.flatMap((check) => check.rules.filter((rule) => !known.has(rule)).map((rule) => ({ check: check.id, rule })));
}
