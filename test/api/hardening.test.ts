// Safe to expose: auth rate limits, CORS, security headers, bounded inputs, a free event loop.

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { loadContract } from '@azuma/contract';
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { api, SESSION_HEADER_KEY } from '../support/api.js';
import { expectError, expectSchema, responseErrors, responseHeaderErrors } from '../support/contract.js';
import { buildTestApp, type RunningServer, startServer } from '../support/server.js';
import { PASSWORD, registerUser } from '../support/users.js';

let app: FastifyInstance | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await app?.close();
  await server?.close();
  app = server = undefined;
});

const { session } = loadContract();

const login = (a: FastifyInstance, remoteAddress = '10.0.0.1', headers: Record<string, string> = {}) =>
  api(a).post('/api/login', { body: { name: 'nobody', password: 'whatever' }, remoteAddress, headers });

describe('auth rate limit', () => {
  it('when a client exceeds AZUMA_AUTH_RATE_LIMIT, then login and register answer 429 with Retry-After', async () => {
    app = await buildTestApp({ authRateLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await login(app)).statusCode).toBe(401);
    const limited = await login(app);
    expectError(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // register shares the budget: it is the same kind of guess.
    const register = await api(app).post('/api/register', { body: { name: 'late', password: PASSWORD }, remoteAddress: '10.0.0.1' });
    expect(register.statusCode).toBe(429);
  });

  it('when one client is limited, then other clients and /api/me are not', async () => {
    app = await buildTestApp({ authRateLimit: 2 });
    const { token } = await registerUser(app, { name: 'member', remoteAddress: '10.0.0.9' });
    for (let i = 0; i < 3; i++) await login(app, '10.0.0.2');
    expect((await login(app, '10.0.0.2')).statusCode).toBe(429);
    expect((await login(app, '10.0.0.3')).statusCode).toBe(401);
    for (let i = 0; i < 10; i++) {
      const me = await api(app).get('/api/me', { token, remoteAddress: '10.0.0.2' });
      expect(me.statusCode).toBe(200);
    }
  });

  it('when AZUMA_AUTH_RATE_LIMIT is 0, then there is no limit', async () => {
    app = await buildTestApp({ authRateLimit: 0 });
    for (let i = 0; i < 40; i++) expect((await login(app)).statusCode).toBe(401);
  });

  it('when behind a trusted proxy, then X-Forwarded-For names the client; untrusted, it is ignored', async () => {
    app = await buildTestApp({ authRateLimit: 1, trustProxy: '127.0.0.1' });
    const viaProxy = (client: string) => login(app!, '127.0.0.1', { 'x-forwarded-for': client });
    expect((await viaProxy('203.0.113.1')).statusCode).toBe(401);
    expect((await viaProxy('203.0.113.1')).statusCode).toBe(429);
    expect((await viaProxy('203.0.113.2')).statusCode).toBe(401);
    // A client that is not the proxy cannot pick its own identity.
    expect((await login(app, '198.51.100.7', { 'x-forwarded-for': '203.0.113.50' })).statusCode).toBe(401);
    expect((await login(app, '198.51.100.7', { 'x-forwarded-for': '203.0.113.51' })).statusCode).toBe(429);
  });
});

describe('CORS', () => {
  const origin = 'https://app.example.org';

  it('when the origin is allowed, then credentials are allowed and Azuma-Session is exposed', async () => {
    app = await buildTestApp({ corsOrigins: [origin] });
    // A preflight: OPTIONS is no operation of the contract.
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/me',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': SESSION_HEADER_KEY },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain(SESSION_HEADER_KEY);
    const res = await api(app).get('/api/', { headers: { origin } });
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-expose-headers']).toBe(session.header);
    expect(res.headers.vary).toContain('Origin');
  });

  it('when the origin is not allowed, or none is configured, then no CORS grant is made', async () => {
    app = await buildTestApp({ corsOrigins: [origin] });
    const res = await api(app).get('/api/', { headers: { origin: 'https://evil.example.net' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
    app = await buildTestApp();
    const none = await api(app).get('/api/', { headers: { origin } });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('security headers', () => {
  it('when the API answers, success or error, then nothing may load, frame or sniff it', async () => {
    app = await buildTestApp();
    const { token } = await registerUser(app, { name: 'headers' });
    const answers = [
      await api(app).get('/api/'),
      await api(app).get('/api/me', { token }),
      await api(app).get('/api/me'),
      await app.inject('/no/such/route'),
    ];
    expect(answers.map((res) => res.statusCode)).toEqual([200, 200, 401, 404]);
    for (const res of answers) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('when /docs answers, then its policy allows the inline Redoc bundle and nothing remote', async () => {
    app = await buildTestApp();
    const docs = await app.inject('/docs');
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' 'unsafe-inline' blob:");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:/);
    // The page's own set in place of the API's, not beside it: a page may be cached.
    expect(docs.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(docs.headers['cache-control']).toBeUndefined();
  });
});

describe('bounds', () => {
  function rawGet(url: string, headers: Record<string, string>) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('when request headers exceed 8 KiB, then the answer is a 400 in the error shape', async () => {
    server = await startServer();
    const res = await rawGet(`${server.url}/api/me`, { [SESSION_HEADER_KEY]: 'A'.repeat(10_000) });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expectSchema('Error', body);
    expect(body.detail).toContain('8192');
  });

  it('when a password is over 256 characters, then it is refused before any hashing', async () => {
    // With no hashing capacity at all, a request that reached scrypt would get 503 instead.
    app = await buildTestApp({ hashConcurrency: 1, hashQueueLimit: 0 });
    const res = await api(app).post('/api/login', { body: { name: 'x', password: 'p'.repeat(257) } });
    expect(res.statusCode).toBe(400);
  });
});

describe('deep and wide bodies', () => {
  const { operations, limits } = loadContract();
  const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  // As deep and as wide as the body limit lets them be: the limit, not the server's stack, bounds them.
  const arraysDepth = Math.floor((limits.requestBodyLimitBytes - 40) / 2);
  const bodies = {
    'arrays nested to the body limit in a field': `{"name":${deepArrays(arraysDepth)},"password":"correct horse"}`,
    'objects nested to the body limit': deepObjects(Math.floor((limits.requestBodyLimitBytes - 10) / 6)),
    'arrays nested to the body limit': deepArrays(Math.floor(limits.requestBodyLimitBytes / 2) - 1),
    'a key set as wide as the body limit': `{${Array.from({ length: Math.floor(limits.requestBodyLimitBytes / 12) }, (_, i) => `"k${i}":[]`).join(',')}}`,
  };

  it('when any operation gets a body nested as deep or spread as wide as the body limit allows, then it answers a 4xx in the error shape, never a 5xx', async () => {
    app = await buildTestApp();
    const { token } = await registerUser(app, { name: 'deep' });
    for (const op of operations) {
      const url = op.path.replace(/\{[^}]+\}/g, '0123456789abcdef01234567');
      for (const [what, payload] of Object.entries(bodies)) {
        expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(limits.requestBodyLimitBytes);
        const res = await app.inject({
          method: op.method as 'POST',
          url,
          payload,
          headers: { 'content-type': 'application/json', [SESSION_HEADER_KEY]: token },
        });
        const seen = `${op.method} ${op.path} with ${what}: ${res.statusCode} ${res.body}`;
        expect(res.statusCode, seen).toBeLessThan(500);
        // A GET reads no body, so it may answer as usual; anything that reads one refuses this one.
        if (res.statusCode >= 400) expectSchema('Error', res.json());
        if (op.requestSchema) expect(res.statusCode, seen).toBe(400);
      }
    }
  });
});

describe('the event loop during hashing', () => {
  it('when logins saturate scrypt, then /api/me is still answered before they finish', async () => {
    // A long idle timeout: on a loaded machine the last logins may wait for a hash longer than the
    // default's half, and would then be refused (503) rather than show what this test looks at.
    app = await buildTestApp({ hashConcurrency: 2, idleTimeoutSeconds: 300 }, { scrypt: undefined });
    const { token } = await registerUser(app, { name: 'steady' });
    let finished = 0;
    const logins = Array.from({ length: 8 }, () =>
      api(app!)
        .post('/api/login', { body: { name: 'steady', password: PASSWORD } })
        .then((r) => {
          finished++;
          return r;
        }),
    );
    const me = await api(app).get('/api/me', { token });
    expect(me.statusCode).toBe(200);
    // Eight hashes at ~0.2 s each, two at a time: had /api/me waited on them, all would be done.
    expect(finished).toBeLessThan(8);
    expect((await Promise.all(logins)).every((r) => r.statusCode === 200)).toBe(true);
  }, 120_000);
});

describe('draining', () => {
  it('when a request is still arriving as the server shuts down, then getVersion answers its documented 503 and hangs up', async () => {
    const running = await startServer();
    const { port } = new URL(running.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // Headers begun before close(): the connection is busy, so close() spares it and waits.
    socket.write('GET /api/ HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closed = running.close();
    await new Promise((resolve) => setTimeout(resolve, 30));
    socket.write('\r\n');
    let raw = '';
    for await (const chunk of socket) raw += chunk;
    await closed;

    expect(raw.slice(0, 12)).toBe('HTTP/1.1 503');
    expect(raw).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(raw).toMatch(/\r\nconnection: close\r\n/i);
    const error = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(error).toMatchObject({ code: 503, message: ERROR_MESSAGES[503] });
    expect(responseErrors('GET', '/api/', 503, error)).toEqual([]);
  });
});

describe('caching', () => {
  it('when an answer carries a token or the user, then it says Cache-Control: no-store, as its documented header requires', async () => {
    app = await buildTestApp({ sessionTtlSeconds: 3600 });
    const { response: register, token } = await registerUser(app, { name: 'uncached' });
    const me = await api(app).get('/api/me', { token });
    const sessions = await api(app).get('/api/me/sessions', { token });
    for (const res of [register, me, sessions]) expect(res.headers['cache-control']).toBe('no-store');
    expect(responseHeaderErrors('GET', '/api/me', 200, me.headers)).toEqual([]);
    expect(responseHeaderErrors('GET', '/api/me', 200, { ...me.headers, 'cache-control': 'max-age=60' })).toEqual([
      expect.stringContaining('Cache-Control'),
    ]);
  });
});
