// Simultaneous requests over a real socket: uniqueness holds, nothing is lost, nobody sees another user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.js';
import { type RunningServer, startServer } from '../support/server.js';
import { PASSWORD, registerUser } from '../support/users.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const register = (body: { name: string; password: string }) => api(server.url).post('/api/register', { body });
const login = (body: { name: string; password: string }) => api(server.url).post('/api/login', { body });

describe('concurrency', () => {
  it('when 25 clients register one name at once, then exactly one gets 200 and 24 get 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => register({ name: i % 2 ? 'Contested' : 'contested', password: `password-${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(24);
    // The winner's password is the one that works.
    const winner = statuses.indexOf(200);
    expect((await login({ name: 'CONTESTED', password: `password-${winner}` })).status).toBe(200);
  });

  it('when 100 distinct users register at once, then all succeed and all log in', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `crowd${i}`);
    const registered = await Promise.all(names.map((name) => register({ name, password: PASSWORD })));
    expect(registered.map((r) => r.status)).toEqual(names.map(() => 200));
    const ids = new Set(await Promise.all(registered.map(async (r) => ((await r.json()) as { userid: { $oid: string } }).userid.$oid)));
    expect(ids.size).toBe(100);
    const logins = await Promise.all(names.map((name) => login({ name, password: PASSWORD })));
    expect(logins.map((r) => r.status)).toEqual(names.map(() => 200));
  });

  it('when 200 /api/me calls run at once, then each returns its caller', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => registerUser(server.url, { name: `caller${i}` })));
    const calls = Array.from({ length: 200 }, (_, i) => users[i % users.length]!);
    const answers = await Promise.all(
      calls.map(async ({ token }) => (await api(server.url).get('/api/me', { token })).json() as Promise<{ name: string }>),
    );
    expect(answers.map((a) => a.name)).toEqual(calls.map((c) => c.name));
  });
});
