// End-of-run checks over every exchange the run made, fuzzing included: each documented operation
// only ever answered documented statuses with conforming bodies and headers, and nothing was 5xx.
import type { Contract } from '../contract.js';
import type { Exchange } from '../http.js';
import { CheckFailed } from '../http.js';
import { type Check, Skipped } from '../runner.js';

const EXAMPLES = 3;

function summarise(bad: Exchange[], total: number, describe: (ex: Exchange) => string): string {
  const shown = bad.slice(0, EXAMPLES).map(describe).join(' | ');
  return `${bad.length} of ${total} responses: ${shown}${bad.length > EXAMPLES ? ' | …' : ''}`;
}

export function contractChecks(contract: Contract): Check[] {
  return [
    ...contract.operations.map(
      (op): Check => ({
        id: `contract.${op.id}`,
        title: `every response of ${op.method} ${op.path} in this run had a documented status, body and headers`,
        async run(ctx) {
          const seen = ctx.http.exchanges.filter((ex) => ex.operation === op);
          if (seen.length === 0) throw new Skipped(`no request of this run reached ${op.id}`);
          const bad = seen.filter((ex) => ex.violations.length > 0);
          if (bad.length > 0) {
            throw new CheckFailed(summarise(bad, seen.length, (ex) => `${ex.label} answered ${ex.status}: ${ex.violations.join('; ')}`));
          }
        },
      }),
    ),
    {
      id: 'errors.no-5xx',
      title: 'no request of this run, fuzzing included, got a 5xx answer',
      async run(ctx) {
        const all = ctx.http.exchanges;
        const bad = all.filter((ex) => ex.status >= 500);
        if (bad.length > 0)
          throw new CheckFailed(summarise(bad, all.length, (ex) => `${ex.label} answered ${ex.status} ${ex.text.slice(0, 120)}`));
      },
    },
  ];
}
