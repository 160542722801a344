// Simultaneous requests over a real socket: uniqueness holds, nothing is lost, nobody sees another user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('concurrency', () => {
  it('when 25 clients register one name at once, then exactly one gets 200 and 24 get 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => post('/api/register', { name: i % 2 ? 'Contested' : 'contested', password: `password-${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(24);
    // The winner's password is the one that works.
    const winner = statuses.indexOf(200);
    expect((await post('/api/login', { name: 'CONTESTED', password: `password-${winner}` })).status).toBe(200);
  });

  it('when 100 distinct users register at once, then all succeed and all log in', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `crowd${i}`);
    const registered = await Promise.all(names.map((name) => post('/api/register', { name, password: 'correct horse' })));
    expect(registered.map((r) => r.status)).toEqual(names.map(() => 200));
    const ids = new Set(await Promise.all(registered.map(async (r) => ((await r.json()) as { userid: { $oid: string } }).userid.$oid)));
    expect(ids.size).toBe(100);
    const logins = await Promise.all(names.map((name) => post('/api/login', { name, password: 'correct horse' })));
    expect(logins.map((r) => r.status)).toEqual(names.map(() => 200));
  });

  it('when 200 /api/me calls run at once, then each returns its caller', async () => {
    const users = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await post('/api/register', { name: `caller${i}`, password: 'correct horse' });
        return { name: `caller${i}`, token: ((await res.json()) as { token: string }).token };
      }),
    );
    const calls = Array.from({ length: 200 }, (_, i) => users[i % users.length]!);
    const answers = await Promise.all(
      calls.map(
        async ({ token }) =>
          (await fetch(`${server.url}/api/me`, { headers: { 'Azuma-Session': token } })).json() as Promise<{ name: string }>,
      ),
    );
    expect(answers.map((a) => a.name)).toEqual(calls.map((c) => c.name));
  });
});
