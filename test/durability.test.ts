// Never lose an acknowledged account: SIGKILL right after a burst of registrations, then restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../tools/server-process.js';
import { api } from './support/api.js';
import { PASSWORD } from './support/users.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('durability', () => {
  it('when the process is SIGKILLed right after acknowledged registrations, then every one logs in after restart', {
    timeout: 60_000,
  }, async () => {
    const db = join(dir, 'killed.sqlite');
    // A long idle timeout: on a busy machine a queued hash may wait past half the default one, and
    // the 503 it then gets is no registration to kill in the middle of.
    const server = await spawnServer({ AZUMA_DB: db, AZUMA_IDLE_TIMEOUT: '300' });
    const acknowledged: string[] = [];
    // A burst that is still going when the kill lands: the ones acknowledged before it must survive.
    const burst = Array.from({ length: 40 }, (_, i) => `survivor${i}`).map(async (name) => {
      try {
        const res = await api(server.url).post('/api/register', { body: { name, password: PASSWORD } });
        if (res.status === 200) acknowledged.push(name);
      } catch {
        // cut off by the kill: not acknowledged, so no promise was made
      }
    });
    // Kill as soon as the first dozen are acknowledged, with the rest in flight.
    let settled = false;
    void Promise.all(burst).then(() => {
      settled = true;
    });
    while (acknowledged.length < 12 && !settled) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(acknowledged.length, 'registrations acknowledged before the kill').toBeGreaterThanOrEqual(12);
    expect(await server.stop('SIGKILL')).toBeNull();
    await Promise.all(burst);

    const restarted = await spawnServer({ AZUMA_DB: db });
    try {
      for (const name of acknowledged) {
        const res = await api(restarted.url).post('/api/login', { body: { name, password: PASSWORD } });
        expect(res.status, `${name} was acknowledged but cannot log in`).toBe(200);
      }
    } finally {
      await restarted.stop();
    }
  });
});
