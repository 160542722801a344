// Health (the contract's Health tag, contract 1.3): a healthy server answers liveness and readiness,
// without credentials, never cached. What happens while its database is down or it drains
// (HEALTH-3) no client can cause.
import { expectField, expectNoStore, expectOk } from '../expect.js';
import { request } from '../requests.js';
import type { Check } from '../runner.js';

export function healthChecks(): Check[] {
  const probe = (id: string, rule: string, path: '/api/health/live' | '/api/health/ready', what: string): Check => ({
    id,
    rules: [rule],
    title: `GET ${path} answers 200 {"status": "ok"} with Cache-Control: no-store, without credentials (${what})`,
    async run(ctx) {
      const ex = await request(ctx.http, 'get', path, { label: `${what} probe` });
      expectField(ex, 'status', expectOk<{ status: string }>(ex).status, 'ok');
      expectNoStore(ex);
    },
  });
  return [
    probe('health.live', 'HEALTH-1', '/api/health/live', 'liveness'),
    probe('health.ready', 'HEALTH-2', '/api/health/ready', 'readiness of a healthy server'),
  ];
}
