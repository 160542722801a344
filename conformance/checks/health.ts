// Liveness and readiness (contract 1.3): a healthy server answers both, without credentials, never
// cached. What happens while its database is down or it drains (HEALTH-3) no client can cause.
import { expectOk } from '../context.js';
import { CheckFailed } from '../http.js';
import type { Check } from '../runner.js';

const noStore = (value: string | null) => /(^|,)\s*no-store\s*(,|$)/i.test(value ?? '');

export function healthChecks(): Check[] {
  const probe = (id: string, rule: string, path: string, what: string): Check => ({
    id,
    rules: [rule],
    title: `GET ${path} answers 200 {"status": "ok"} with Cache-Control: no-store, without credentials (${what})`,
    async run(ctx) {
      const ex = await ctx.http.send({ method: 'GET', path, label: `${what} probe` });
      const body = expectOk<{ status: string }>(ex);
      if (body.status !== 'ok') throw new CheckFailed(`${ex.label} answered status ${JSON.stringify(body.status)}, expected "ok"`);
      if (!noStore(ex.headers.get('cache-control'))) {
        throw new CheckFailed(`${ex.label} answered Cache-Control ${JSON.stringify(ex.headers.get('cache-control'))}, expected no-store`);
      }
    },
  });
  return [
    probe('health.live', 'HEALTH-1', '/api/health/live', 'liveness'),
    probe('health.ready', 'HEALTH-2', '/api/health/ready', 'readiness of a healthy server'),
  ];
}
