// End-of-run checks over every exchange the run made, fuzzing included: each documented operation
// only ever answered documented statuses with conforming bodies and headers, and nothing was 5xx.
// Cross-cutting by nature: they judge every domain's answers at once, so they run after the rest.
import type { Contract } from '../contract.js';
import { saysNoStore } from '../expect.js';
import type { Exchange } from '../http.js';
import { CheckFailed, cookieValue, isRecord } from '../http.js';
import { summarise } from '../messages.js';
import { type Check, Skipped } from '../runner.js';

export function contractChecks(contract: Contract): Check[] {
  return [
    ...contract.operations.map(
      (op): Check => ({
        id: `contract.${op.id}`,
        rules: ['WIRE-1', 'WIRE-2', 'ERROR-1'],
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
      id: 'tokens.no-store',
      rules: ['CACHE-1'],
      title:
        'every answer of this run that carried a token (in the body, the session header or the session cookie) said Cache-Control: no-store',
      async run(ctx) {
        const { cookie, header } = ctx.http.channels;
        const carriesToken = (ex: Exchange) =>
          (isRecord(ex.json) && typeof ex.json.token === 'string') ||
          ex.headers.has(header) ||
          ex.setCookies.some((line) => Boolean(cookieValue(line, cookie)));
        const bearing = ctx.http.exchanges.filter((ex) => ex.status < 300 && carriesToken(ex));
        if (bearing.length === 0) throw new Skipped('no answer of this run carried a token');
        const bad = bearing.filter((ex) => !saysNoStore(ex));
        if (bad.length > 0) {
          throw new CheckFailed(
            summarise(
              bad,
              bearing.length,
              (ex) => `${ex.label} carried a token with Cache-Control ${JSON.stringify(ex.headers.get('cache-control'))}`,
            ),
          );
        }
      },
    },
    {
      id: 'errors.no-5xx',
      rules: ['ERROR-7'],
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
