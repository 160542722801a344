// Contract 1.1 through HTTP: logout, the session list, ending sessions, the absolute lifetime,
// bounded storage per session and per user, password change and profile update.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract } from '@azuma/contract';
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.js';
import { api, cookieToken, SESSION_HEADER_KEY, type Sent } from '../support/api.js';
import { responseErrors } from '../support/contract.js';
import { buildTestApp, manualClock, startServer, TEST_BACKEND } from '../support/server.js';
import { PASSWORD as password, registerUser } from '../support/users.js';

const { cookie: COOKIE } = loadContract().session;

const HOUR = 3600;
const DAY = 24 * HOUR;
const dir = mkdtempSync(join(tmpdir(), 'azuma-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let app: FastifyInstance;
afterEach(() => app?.close());

type Auth = { token: string } | { cookie: string };

/** An app whose sessions last an hour, so every authenticated request is inside the refresh window. */
async function setup(config: Partial<Config> = {}) {
  const clock = manualClock();
  app = await buildTestApp({ sessionTtlSeconds: HOUR, ...config }, { now: clock.now });
  return clock;
}

const agent = (userAgent?: string): Sent => (userAgent ? { headers: { 'user-agent': userAgent } } : {});

const register = async (name: string, userAgent?: string) => (await registerUser(app, { name, ...agent(userAgent) })).token;

async function login(name: string, userAgent?: string, pw = password) {
  const res = await api(app).post('/api/login', { body: { name, password: pw }, ...agent(userAgent) });
  return { res, token: res.statusCode === 200 ? (res.json().token as string) : undefined };
}

const me = (auth: Auth) => api(app).get('/api/me', auth);
const sessionsOf = (auth: Auth) => api(app).get('/api/me/sessions', auth);
const endSession = (id: string, auth: Auth) => api(app).delete('/api/me/sessions/{id}', { params: { id }, ...auth });

/** Fails unless the answer is what the contract documents for that operation and status. */
function expectDocumented(res: LightMyRequestResponse, method: string, path: string, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  expect(responseErrors(method, path, status, res.body ? res.json() : undefined)).toEqual([]);
}

describe('logout', () => {
  it('when a header session logs out with the token before its rotation, then that token and its successor are both refused', async () => {
    const clock = await setup();
    const token = await register('leaver');
    clock.advance(1000);
    const rotated = await me({ token });
    const successor = rotated.headers[SESSION_HEADER_KEY] as string;
    expect(successor).toMatch(/^[A-Za-z0-9]{64}$/);

    const out = await api(app).post('/api/logout', { token });
    expectDocumented(out, 'POST', '/api/logout', 204);
    expect(out.headers[SESSION_HEADER_KEY]).toBeUndefined();
    expect(out.headers['set-cookie']).toBeUndefined();
    for (const dead of [token, successor]) {
      expect((await me({ token: dead })).statusCode).toBe(401);
      expect((await me({ cookie: dead })).statusCode).toBe(401);
    }
  });

  it('when a cookie session logs out with its successor, then the cookie is cleared and the whole chain is refused', async () => {
    const clock = await setup();
    const token = await register('cookie-leaver');
    clock.advance(1000);
    const successor = cookieToken((await me({ cookie: token })).headers['set-cookie'])!;

    const out = await api(app).post('/api/logout', { cookie: successor });
    expectDocumented(out, 'POST', '/api/logout', 204);
    expect(out.headers['set-cookie']).toBe(`${COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`);
    expect(responseErrors('POST', '/api/logout', 204, undefined)).toEqual([]);
    for (const dead of [token, successor]) expect((await me({ cookie: dead })).statusCode).toBe(401);
    expect((await api(app).post('/api/logout', { cookie: successor })).statusCode).toBe(401);
  });

  it('when a logout races concurrent refreshes of the same token over real sockets, then no token of the chain survives', async () => {
    const server = await startServer({ sessionTtlSeconds: HOUR });
    try {
      const client = api(server.url);
      const { token } = await registerUser(server.url, { name: 'racer' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, () => client.get('/api/me', { token })),
        client.post('/api/logout', { token }),
        ...Array.from({ length: 10 }, () => client.get('/api/me', { token })),
      ]);
      expect(answers.map((r) => r.status)).toContain(204);
      const seen = new Set([token, ...answers.map((r) => r.headers.get(SESSION_HEADER_KEY)).filter((t): t is string => t !== null)]);
      for (const t of seen) expect((await client.get('/api/me', { token: t })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('bounded storage', () => {
  // Reads the SQLite file; test/postgres/instances.test.ts counts PostgreSQL's rows.
  it.runIf(TEST_BACKEND === 'sqlite')(
    'when one session hops 1,000 times inside the window, then it never keeps more than two tokens',
    async () => {
      const dbLocation = join(dir, 'hops.sqlite');
      const clock = await setup({ dbLocation });
      let token = await register('hopper');
      for (let hop = 0; hop < 1000; hop++) {
        clock.advance(1000);
        const res = await me({ token });
        expect(res.statusCode).toBe(200);
        token = res.headers[SESSION_HEADER_KEY] as string;
      }
      const db = new Database(dbLocation, { readonly: true });
      try {
        expect(db.prepare('SELECT count(*) AS n FROM session_tokens').get()).toEqual({ n: 2 });
        expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
      } finally {
        db.close();
      }
    },
  );

  it('when a user begins more sessions than AZUMA_SESSIONS_PER_USER, then the oldest end', async () => {
    const clock = await setup({ sessionsPerUser: 3 });
    const tokens = [await register('collector')];
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      tokens.push((await login('collector')).token!);
    }
    expect((await me({ token: tokens[0]! })).statusCode).toBe(401);
    for (const live of tokens.slice(1)) expect((await me({ token: live })).statusCode).toBe(200);
  });
});

describe('the absolute lifetime', () => {
  it('when a session is refreshed for longer than AZUMA_SESSION_MAX_AGE, then no successor outlives it and then it ends', async () => {
    const clock = await setup({ sessionTtlSeconds: DAY, sessionMaxAgeSeconds: 3 * DAY });
    let token = await register('mortal');
    const begun = clock.now();
    let latest = 0;
    for (let hour = 1; hour < 3 * 24; hour++) {
      clock.advance(HOUR * 1000);
      const res = await me({ token });
      expect(res.statusCode, `hour ${hour}`).toBe(200);
      const successor = res.headers[SESSION_HEADER_KEY] as string | undefined;
      if (successor) token = successor;
      const listed = (await sessionsOf({ token })).json().sessions[0];
      latest = Date.parse(listed.expiration);
      expect(latest).toBeLessThanOrEqual(begun + 3 * DAY * 1000);
      expect(Date.parse(listed.absoluteExpiration)).toBe(begun + 3 * DAY * 1000);
    }
    expect(latest).toBe(begun + 3 * DAY * 1000);
    clock.advance(HOUR * 1000);
    expect((await me({ token })).statusCode).toBe(401);
    // A new login begins a new session with a new absolute end.
    expect((await login('mortal')).res.statusCode).toBe(200);
  });
});

describe('the session list', () => {
  it('when a user has two sessions, then both are listed newest first, the caller marked current, without tokens', async () => {
    const clock = await setup();
    const first = await register('lister', 'Firefox/140.0');
    clock.advance(90_000);
    const second = (await login('lister', 'curl/8.5.0')).token!;
    clock.advance(30_500);
    const res = await sessionsOf({ token: first });
    expectDocumented(res, 'GET', '/api/me/sessions', 200);
    const { sessions } = res.json() as { sessions: Array<Record<string, unknown>> };
    expect(sessions.map((s) => [s.userAgent, s.current])).toEqual([
      ['curl/8.5.0', false],
      ['Firefox/140.0', true],
    ]);
    expect(sessions[1]!.lastUsed).toBe(new Date(clock.now() - (clock.now() % 60_000)).toISOString());
    const text = res.body;
    for (const token of [first, second, res.headers[SESSION_HEADER_KEY] as string]) expect(text).not.toContain(token);
  });

  it('when a session is ended by id, then its tokens are refused; an id of another user is 404 like an unknown one', async () => {
    await setup();
    const mine = await register('owner');
    const other = (await login('owner')).token!;
    const stranger = await register('stranger');
    type Listed = { id: string; current: boolean };
    const otherId = (await sessionsOf({ token: mine })).json().sessions.find((s: Listed) => !s.current).id;
    const strangersId = (await sessionsOf({ token: stranger })).json().sessions[0].id;

    const foreign = await endSession(strangersId, { token: mine });
    const unknown = await endSession('0123456789abcdef01234567', { token: mine });
    expectDocumented(foreign, 'DELETE', '/api/me/sessions/{id}', 404);
    expect(foreign.body).toBe(unknown.body);
    expect((await me({ token: stranger })).statusCode).toBe(200);
    expect((await endSession('not-an-id', { token: mine })).statusCode).toBe(400);

    expectDocumented(await endSession(otherId, { token: mine }), 'DELETE', '/api/me/sessions/{id}', 204);
    expect((await me({ token: other })).statusCode).toBe(401);
    expect((await me({ token: mine })).statusCode).toBe(200);
  });

  it('when a session ends itself by id, then it answers as logout does: the cookie cleared, no successor', async () => {
    const clock = await setup();
    const viaCookie = await register('self-ender');
    const viaHeader = (await login('self-ender')).token!;
    type Listed = { id: string; current: boolean };
    const ownId = async (auth: Auth) => (await sessionsOf(auth)).json().sessions.find((s: Listed) => s.current).id as string;
    const cookieId = await ownId({ cookie: viaCookie });
    const headerId = await ownId({ token: viaHeader });
    // A second on, every token is due a successor: the answer must still carry none.
    clock.advance(1000);

    const byCookie = await endSession(cookieId, { cookie: viaCookie });
    expectDocumented(byCookie, 'DELETE', '/api/me/sessions/{id}', 204);
    expect(byCookie.headers['set-cookie']).toBe(`${COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`);
    expect(byCookie.headers[SESSION_HEADER_KEY]).toBeUndefined();

    const byHeader = await endSession(headerId, { token: viaHeader });
    expectDocumented(byHeader, 'DELETE', '/api/me/sessions/{id}', 204);
    expect(byHeader.headers[SESSION_HEADER_KEY]).toBeUndefined();
    expect(byHeader.headers['set-cookie']).toBeUndefined();
    for (const auth of [{ cookie: viaCookie }, { token: viaHeader }]) expect((await me(auth)).statusCode).toBe(401);
  });

  it('when every other session is ended, then only the caller stays signed in', async () => {
    await setup();
    const keep = await register('pruner');
    const others = [(await login('pruner')).token!, (await login('pruner')).token!];
    expectDocumented(await api(app).delete('/api/me/sessions', { token: keep }), 'DELETE', '/api/me/sessions', 204);
    for (const t of others) expect((await me({ token: t })).statusCode).toBe(401);
    expect((await me({ token: keep })).statusCode).toBe(200);
  });
});

describe('password change', () => {
  it('when the current password is right, then every session ends and a new one answers; the new password logs in', async () => {
    await setup();
    const caller = await register('changer');
    const elsewhere = (await login('changer')).token!;
    const res = await api(app).put('/api/me/password', {
      token: caller,
      body: { currentPassword: password, newPassword: 'a much longer secret' },
    });
    expectDocumented(res, 'PUT', '/api/me/password', 200);
    const fresh = res.json().token as string;
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^${COOKIE}=${fresh}; `));
    for (const dead of [caller, elsewhere]) expect((await me({ token: dead })).statusCode).toBe(401);
    expect((await me({ token: fresh })).statusCode).toBe(200);
    expect((await login('changer')).res.statusCode).toBe(401);
    expect((await login('changer', undefined, 'a much longer secret')).res.statusCode).toBe(200);
  });

  it('when the current password is wrong, then 401, nothing changes, and the attempts count towards the rate limit', async () => {
    await setup({ authRateLimit: 2 });
    const token = await register('guesser');
    const wrong = () =>
      api(app).put('/api/me/password', { token, body: { currentPassword: 'not it at all', newPassword: 'whatever-else' } });
    expectDocumented(await wrong(), 'PUT', '/api/me/password', 401);
    expect((await me({ token })).statusCode).toBe(200);
    expectDocumented(await wrong(), 'PUT', '/api/me/password', 429);
  });

  it('when the right current password is sent by several changes at once, then one wins and the others answer 409, never 401 "wrong current password", and count as no failed sign-in', async () => {
    // One failure locks a client out of the name: a loser counted as one would lock its address.
    await setup({ loginFailuresPerClient: 1, loginFailuresPerAccount: 1000 });
    const clients = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
    // A change that comes in after the winner ended the session is refused as unauthenticated (its
    // token is gone), which is right too but shows no race: rounds go on until one was lost.
    let raced = 0;
    for (let round = 0; round < 10 && raced === 0; round++) {
      const name = `twins${round}`;
      const token = await register(name);
      const answers = await Promise.all(
        clients.map((remoteAddress, i) =>
          api(app).put('/api/me/password', {
            remoteAddress,
            token,
            body: { currentPassword: password, newPassword: `a much longer secret ${i}` },
          }),
        ),
      );
      const statuses = answers.map((res) => res.statusCode);
      expect(
        statuses.filter((status) => status === 200),
        statuses.join(),
      ).toHaveLength(1);
      for (const res of answers.filter((r) => r.statusCode !== 200)) {
        if (res.statusCode === 401) {
          expectDocumented(res, 'PUT', '/api/me/password', 401);
          expect(res.json().detail).not.toMatch(/password/);
        } else expectDocumented(res, 'PUT', '/api/me/password', 409);
      }
      raced += statuses.filter((status) => status === 409).length;
      const winner = statuses.indexOf(200);
      for (const remoteAddress of clients) {
        const res = await api(app).post('/api/login', { remoteAddress, body: { name, password: `a much longer secret ${winner}` } });
        expect(res.statusCode, `${remoteAddress}: ${res.body}`).toBe(200);
      }
    }
    expect(raced, 'no change lost a race in 10 rounds').toBeGreaterThan(0);
  });
});

describe('profile update', () => {
  it('when icon and status are set and cleared, then /api/me shows each change', async () => {
    await setup();
    const token = await register('painter');
    const set = await api(app).patch('/api/me', { token: token, body: { icon: 'https://example.org/p.png', status: 'At lunch' } });
    expectDocumented(set, 'PATCH', '/api/me', 200);
    expect(set.json()).toMatchObject({ icon: 'https://example.org/p.png', status: 'At lunch' });
    await api(app).patch('/api/me', { token: token, body: { status: null } });
    expect((await me({ token })).json()).toMatchObject({ icon: 'https://example.org/p.png', status: null });
  });

  it.each([
    ['an http icon', { icon: 'http://example.org/p.png' }],
    ['an icon over 2,048 characters', { icon: `https://example.org/${'a'.repeat(2048)}` }],
    ['a status with a control character', { status: 'line\u0007bell' }],
    ['a status over 128 characters', { status: 's'.repeat(129) }],
    ['an empty status', { status: '' }],
    ['no field at all', {}],
    ['an unknown field', { name: 'someone-else' }],
  ])('when the body has %s, then 400 and nothing changes', async (_what, body) => {
    await setup();
    const token = await register('careful');
    expectDocumented(await api(app).patch('/api/me', { ...{ token }, uncheckedBody: body }), 'PATCH', '/api/me', 400);
    expect((await me({ token })).json()).toMatchObject({ name: 'careful', icon: null, status: null });
  });
});
