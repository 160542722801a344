// Token refresh in the last 7 days, by both channels; successor stability; expiry and sweeping.

import { loadContract } from '@azuma/contract';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.js';
import { api, cookieToken, SESSION_HEADER_KEY } from '../support/api.js';
import { expectSchema } from '../support/contract.js';
import { buildTestApp, manualClock } from '../support/server.js';
import { loginUser, registerUser } from '../support/users.js';

const { cookie: COOKIE } = loadContract().session;

const DAY = 24 * 60 * 60 * 1000;
const TTL_DAYS = 30;

let app: FastifyInstance;
afterEach(() => app?.close());

async function setup(config: Partial<Config> = {}) {
  const clock = manualClock();
  app = await buildTestApp({ sessionTtlSeconds: (TTL_DAYS * DAY) / 1000, ...config }, { now: clock.now });
  const { session } = await registerUser(app, { name: 'refresher' });
  return { clock, token: session.token, expiration: session.expiration };
}

const byHeader = (token: string) => api(app).get('/api/me', { token });
const byCookie = (token: string) => api(app).get('/api/me', { cookie: token });

describe('token refresh', () => {
  it('when the session has more than 7 days left, then no successor is issued', async () => {
    const { clock, token } = await setup();
    clock.advance((TTL_DAYS - 7) * DAY - 60_000);
    const res = await byHeader(token);
    expect(res.statusCode).toBe(200);
    expect(res.headers[SESSION_HEADER_KEY]).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('when header auth is used inside the window, then the successor comes in the Azuma-Session header', async () => {
    const { clock, token } = await setup();
    clock.advance((TTL_DAYS - 6) * DAY);
    const res = await byHeader(token);
    expect(res.statusCode).toBe(200);
    const successor = res.headers[SESSION_HEADER_KEY] as string;
    expectSchema('Token', successor);
    expect(successor).not.toBe(token);
    expect(res.headers['set-cookie']).toBeUndefined();
    // The successor is a full session of its own, far from its end: using it refreshes nothing.
    const next = await byHeader(successor);
    expect(next.json()).toMatchObject({ name: 'refresher' });
    expect(next.headers[SESSION_HEADER_KEY]).toBeUndefined();
  });

  it('when cookie auth is used inside the window, then Set-Cookie carries the successor with a full lifetime', async () => {
    const { clock, token } = await setup();
    clock.advance((TTL_DAYS - 1) * DAY);
    const res = await byCookie(token);
    expect(res.statusCode).toBe(200);
    expect(res.headers[SESSION_HEADER_KEY]).toBeUndefined();
    const cookie = res.headers['set-cookie'] as string;
    expectSchema('SessionCookie', cookie);
    expect(cookie).toMatch(new RegExp(`; Max-Age=${(TTL_DAYS * DAY) / 1000}; Path=/; HttpOnly; SameSite=Lax$`));
    const successor = cookieToken(cookie)!;
    expect(successor).not.toBe(token);
    expect((await byCookie(successor)).json()).toMatchObject({ name: 'refresher' });
  });

  it('when the old token is used again, then the same successor comes back and it stays valid until it expires', async () => {
    const { clock, token, expiration } = await setup();
    clock.advance((TTL_DAYS - 3) * DAY);
    const first = (await byHeader(token)).headers[SESSION_HEADER_KEY];
    clock.advance(DAY);
    const again = await Promise.all([byHeader(token), byHeader(token), byHeader(token)]);
    for (const res of again) expect(res.headers[SESSION_HEADER_KEY]).toBe(first);
    // By cookie the same successor too: one session, one successor, whatever the channel.
    expect((await byCookie(token)).headers['set-cookie']).toContain(`${COOKIE}=${first};`);
    clock.advance(Date.parse(expiration) - clock.now() - 1);
    expect((await byHeader(token)).statusCode).toBe(200);
    clock.advance(1);
    expect((await byHeader(token)).statusCode).toBe(401);
    expect((await byHeader(first as string)).statusCode).toBe(200);
  });

  it('when AZUMA_COOKIE_SECURE is on, then refreshed and new cookies are Secure', async () => {
    const clock = manualClock();
    app = await buildTestApp({ cookieSecure: true, sessionTtlSeconds: 3600 }, { now: clock.now });
    const reg = (await registerUser(app, { name: 'secure' })).response;
    expect(reg.headers['set-cookie']).toMatch(/; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expectSchema('SessionCookie', reg.headers['set-cookie']);
    // A TTL under 7 days puts every session in the window at once; a second later the successor
    // outlives the token in use.
    clock.advance(1000);
    const res = await byCookie(reg.json().token);
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^${COOKIE}=\\w{64}; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax$`));
  });
});

describe('concurrent refreshes', () => {
  it('when old tokens of one chain refresh at once, then the newest token handed out still works', async () => {
    const clock = manualClock();
    // A TTL under 7 days puts every token in the window: every request with it rotates.
    app = await buildTestApp({ sessionTtlSeconds: 3600 }, { now: clock.now });
    let older = (await registerUser(app, { name: 'racer' })).token;
    clock.advance(1000);
    let newer = (await byHeader(older)).headers[SESSION_HEADER_KEY] as string;
    // Each round: the predecessor and its successor are used at once; the newest token either
    // answer carries must authenticate afterwards, as must its successor chain go on.
    for (let round = 0; round < 20; round++) {
      clock.advance(1000);
      // Both orders of arrival: which of the two reaches storage first is the race.
      const olderFirst = round % 2 === 0;
      const [first, second] = await Promise.all([byHeader(olderFirst ? older : newer), byHeader(olderFirst ? newer : older)]);
      const [byOlder, byNewer] = olderFirst ? [first, second] : [second, first];
      expect(byNewer.statusCode).toBe(200);
      // The older token's successor is the newer one (one successor per token, REFRESH-4) — unless
      // the newer one's refresh landed before the older was even looked up: then the older one is
      // pruned, as REFRESH-5 says, and refused. Which of the two happens is the race.
      if (byOlder.statusCode === 200) expect(byOlder.headers[SESSION_HEADER_KEY]).toBe(newer);
      else expect(byOlder.statusCode).toBe(401);
      const newest = byNewer.headers[SESSION_HEADER_KEY] as string;
      expect(newest).toMatch(/^\w{64}$/);
      const check = await byHeader(newest);
      expect(check.statusCode).toBe(200);
      older = newest;
      newer = check.headers[SESSION_HEADER_KEY] as string;
    }
  });
});

describe('expiry', () => {
  it('when a session has expired, then it no longer authenticates and the sweep deletes it', async () => {
    const { clock, token } = await setup();
    clock.advance(TTL_DAYS * DAY);
    expect((await byHeader(token)).statusCode).toBe(401);
    // Its one token, then the session it left empty.
    expect(await app.sweepExpiredSessions()).toBe(2);
    expect(await app.sweepExpiredSessions()).toBe(0);
  });

  it('when hundreds of sessions expire, then the sweep removes them in batches while requests are served', async () => {
    const { clock, token } = await setup({ sessionsPerUser: 1000 });
    for (let batch = 0; batch < 19; batch++) {
      // loginUser throws unless login answers 200.
      await Promise.all(Array.from({ length: 50 }, () => loginUser(app, { name: 'refresher' })));
    }
    clock.advance(TTL_DAYS * DAY);
    const fresh = (await loginUser(app, { name: 'refresher' })).token;
    const sweeping = app.sweepExpiredSessions();
    // Served while the sweep is under way: it yields between batches.
    const during = await byHeader(fresh);
    expect(during.statusCode).toBe(200);
    // 951 sessions of one token each: a token row and a session row apiece.
    expect(await sweeping).toBe(2 * 951);
    expect((await byHeader(token)).statusCode).toBe(401);
    expect((await byHeader(fresh)).statusCode).toBe(200);
    // Nearly a thousand logins to set up: a loaded machine needs more than the default timeout.
  }, 120_000);
});

describe('logs', () => {
  it('when requests carry and receive tokens, then the log has request ids and no token', async () => {
    const lines: string[] = [];
    const clock = manualClock();
    app = await buildTestApp(
      { logLevel: 'trace', accessLog: true, sessionTtlSeconds: 3600 },
      { now: clock.now, logStream: { write: (line) => void lines.push(line) } },
    );
    const { token, password } = await registerUser(app, { name: 'quiet' });
    clock.advance(1000);
    const byH = await byHeader(token);
    const byC = await byCookie(token);
    const log = lines.join('');
    expect(log).toContain('"reqId"');
    // One access line per request, naming its path and status.
    const access = lines.filter((line) => line.includes('"msg":"request completed"'));
    expect(access).toHaveLength(3);
    expect(access[1]).toMatch(/"url":"\/api\/me".*"statusCode":200/);
    for (const secret of [token, byH.headers[SESSION_HEADER_KEY] as string, password]) {
      expect(secret).toBeTruthy();
      expect(log).not.toContain(secret);
    }
    expect(byC.statusCode).toBe(200);
  });
});
