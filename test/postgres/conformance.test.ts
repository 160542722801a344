// The conformance suite against our server on PostgreSQL: every check the SQLite run passes
// passes here too (test/conformance.test.ts holds the runs with short lifetimes and rate limits,
// and the broken variants, which do not depend on the engine).
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../conformance/index.js';
import { formatTally } from '../../conformance/report.js';
import { loadConfig } from '../../server/config.js';
import { startServer } from '../support/server.js';

const { loginFailuresPerClient, loginFailuresPerAccount, loginFailureWindowSeconds } = loadConfig({});

describe('conformance suite against our server on PostgreSQL', () => {
  it('when our sessions live under 7 days and names lock as by default, then every check passes', { timeout: 120_000 }, async () => {
    const server = await startServer({
      sessionTtlSeconds: 3600,
      loginFailuresPerClient,
      loginFailuresPerAccount,
      loginFailureWindowSeconds,
    });
    try {
      const report = await runConformance({ baseUrl: server.url, runs: 30 });
      expect(report.results.filter((r) => r.outcome === 'fail').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
      // The checks that wait sessions out or need a rate limit skip, as on SQLite.
      expect(report.results.filter((r) => r.outcome === 'skip').map((r) => r.id)).toEqual([
        'refresh.outside-window',
        'sessions.absolute-lifetime',
        'tokens.expired',
        'ratelimit.headers',
      ]);
      expect(formatTally(report)).toBe(`${report.passed} passed, 0 failed, 4 skipped`);
    } finally {
      await server.close();
    }
  });
});
