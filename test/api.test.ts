// The four operations through HTTP (inject): shapes per the contract, cookies, names, errors.

import { loadContract } from '@azuma/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSchema } from './support/contract.js';
import { buildTestApp } from './support/server.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
  // A route that fails unexpectedly, to see what a crash looks like from outside.
  app.get('/test/crash', async () => {
    throw new Error('SQLITE_CORRUPT: SELECT password_hash FROM users');
  });
});
afterAll(() => app.close());

let counter = 0;
const uniqueName = (prefix = 'user') => `${prefix}${process.pid}x${++counter}`;

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers: { 'content-type': 'application/json', ...headers } });

async function register(name = uniqueName(), password = 'correct horse') {
  const res = await post('/api/register', { name, password });
  expect(res.statusCode, res.body).toBe(200);
  return { name, password, res, session: res.json() as { token: string; userid: { $oid: string }; expiration: string } };
}

function expectError(res: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, status: number, message: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = res.json() as { code: number; message: string; detail?: string };
  expectSchema('Error', body);
  expect(body).toMatchObject({ code: status, message });
  return body;
}

describe('GET /api/', () => {
  it('when asked, then it reports info.version of the contract', async () => {
    const res = await app.inject('/api/');
    expect(res.statusCode).toBe(200);
    expectSchema('Version', res.json());
    expect(res.json()).toEqual({ version: loadContract().version });
  });
});

describe('POST /api/register', () => {
  it('when the name is new, then it answers a Session and sets the session cookie', async () => {
    const before = Date.now();
    const { res, session } = await register();
    expectSchema('Session', session);
    expect(session.token).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(session.userid.$oid).toMatch(/^[0-9a-f]{24}$/);
    // ObjectId form: the first 4 bytes are the creation time in seconds.
    const seconds = parseInt(session.userid.$oid.slice(0, 8), 16);
    expect(Math.abs(seconds - before / 1000)).toBeLessThan(60);
    expect(session.expiration).toMatch(/Z$/);
    const lifetime = Date.parse(session.expiration) - before;
    expect(lifetime).toBeGreaterThan(2_592_000_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(2_592_000_000 + 60_000);
    expect(res.headers['set-cookie']).toBe(`azuma_session=${session.token}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('when the name is taken in any letter case, then it answers 409 ALREADY_EXISTS', async () => {
    const { name } = await register(uniqueName('Alice'));
    expectError(await post('/api/register', { name, password: 'another password' }), 409, 'ALREADY_EXISTS');
    expectError(await post('/api/register', { name: name.toUpperCase(), password: 'another password' }), 409, 'ALREADY_EXISTS');
    expectError(await post('/api/register', { name: name.toLowerCase(), password: 'another password' }), 409, 'ALREADY_EXISTS');
  });

  it('when the name uses letters of other scripts, then they are accepted and compared case-insensitively', async () => {
    const name = `Zoë_Ωμέγα-${counter++}.ß`;
    const { session } = await register(name);
    const me = await app.inject({ url: '/api/me', headers: { 'azuma-session': session.token } });
    expect(me.json()).toMatchObject({ name });
    expectError(await post('/api/register', { name: name.toLowerCase(), password: 'correct horse' }), 409, 'ALREADY_EXISTS');
    // The NFD spelling is the same name (RFC 8265 prepares both to one form): taken, and login
    // finds the account by it in any letter case, except that upper-casing ß gives SS, another name.
    expectError(await post('/api/register', { name: name.normalize('NFD'), password: 'correct horse' }), 409, 'ALREADY_EXISTS');
    const login = await post('/api/login', { name: name.normalize('NFD').replace('.ß', '.ẞ').toUpperCase(), password: 'correct horse' });
    expect(login.json()).toMatchObject({ userid: session.userid });
    expectError(await post('/api/login', { name: name.toUpperCase(), password: 'correct horse' }), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['a password under 8 characters', { name: 'shortpw', password: 'user2' }, 'body/password must NOT have fewer than 8 characters'],
    [
      'a password over 256 characters',
      { name: 'longpw', password: 'x'.repeat(257) },
      'body/password must NOT have more than 256 characters',
    ],
    ['an empty name', { name: '', password: 'correct horse' }, 'body/name must NOT have fewer than 1 characters'],
    ['a name over 32 characters', { name: 'n'.repeat(33), password: 'correct horse' }, 'body/name must NOT have more than 32 characters'],
    ['a space in the name', { name: 'two words', password: 'correct horse' }, 'body/name must match pattern'],
    ['a slash in the name', { name: 'a/b', password: 'correct horse' }, 'body/name must match pattern'],
    ['a missing password', { name: 'nopw' }, "body must have required property 'password'"],
    ['an unknown property', { name: 'extra', password: 'correct horse', admin: true }, 'body/admin is not allowed'],
    ['a number for the name', { name: 42, password: 'correct horse' }, 'body/name must be string'],
    ['an array body', [], 'body must be object'],
  ])('when the body has %s, then it answers 400 naming the field', async (_case, payload, detail) => {
    const body = expectError(await post('/api/register', payload), 400, 'BAD_REQUEST');
    expect(body.detail).toContain(detail);
  });

  it('when a body is rejected, then nothing was stored', async () => {
    await post('/api/register', { name: 'ghost', password: 'correct horse', admin: true });
    const res = await post('/api/register', { name: 'ghost', password: 'correct horse' });
    expect(res.statusCode).toBe(200);
  });
});

describe('POST /api/login', () => {
  it('when name (in any case) and password match, then it answers a new Session and sets the cookie', async () => {
    const { name, password, session: registered } = await register(uniqueName('Bob'));
    const res = await post('/api/login', { name: name.toUpperCase(), password });
    expect(res.statusCode).toBe(200);
    const session = res.json();
    expectSchema('Session', session);
    expect(session.userid).toEqual(registered.userid);
    expect(session.token).not.toBe(registered.token);
    expect(res.headers['set-cookie']).toBe(`azuma_session=${session.token}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('when the password is wrong or the name unknown, then both answer the same 401', async () => {
    const { name } = await register();
    const wrong = expectError(await post('/api/login', { name, password: 'wrong password' }), 401, 'UNAUTHORIZED');
    const unknown = expectError(await post('/api/login', { name: uniqueName('nobody'), password: 'wrong password' }), 401, 'UNAUTHORIZED');
    expect(unknown).toEqual(wrong);
  });

  it('when the password is shorter than the register minimum, then login still just says 401', async () => {
    const { name } = await register();
    expectError(await post('/api/login', { name, password: 'x' }), 401, 'UNAUTHORIZED');
  });

  it('when the body is empty, then it answers 400', async () => {
    expectError(await post('/api/login', { name: 'x', password: '' }), 400, 'BAD_REQUEST');
  });
});

describe('GET /api/me', () => {
  it('when the header carries the token, then it answers the user with null icon and status', async () => {
    const { name, session } = await register();
    const res = await app.inject({ url: '/api/me', headers: { 'azuma-session': session.token } });
    expect(res.statusCode).toBe(200);
    expectSchema('User', res.json());
    expect(res.json()).toEqual({ _id: session.userid, name, icon: null, status: null });
    // Far from expiry: no refresh.
    expect(res.headers['azuma-session']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('when the cookie carries the token, then it answers the user', async () => {
    const { name, session } = await register();
    const res = await app.inject({ url: '/api/me', cookies: { azuma_session: session.token } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name });
  });

  it.each([
    ['no credential', {}],
    ['an unknown token', { 'azuma-session': 'A'.repeat(64) }],
    ['a malformed token', { 'azuma-session': 'not a token' }],
    ['an oversized token', { 'azuma-session': 'A'.repeat(8000) }],
    ['an unknown cookie', { cookie: `azuma_session=${'B'.repeat(64)}` }],
  ])('when the request has %s, then it answers 401 in the error shape', async (_case, headers) => {
    expectError(await app.inject({ url: '/api/me', headers }), 401, 'UNAUTHORIZED');
  });

  it('when cookie and header both carry live tokens, then the cookie wins', async () => {
    const cookieUser = await register(uniqueName('cookie'));
    const headerUser = await register(uniqueName('header'));
    const res = await app.inject({
      url: '/api/me',
      headers: { 'azuma-session': headerUser.session.token },
      cookies: { azuma_session: cookieUser.session.token },
    });
    expect(res.json()).toMatchObject({ name: cookieUser.name });
  });

  it('when the cookie is dead but the header is live, then the header authenticates', async () => {
    const headerUser = await register(uniqueName('header'));
    const res = await app.inject({
      url: '/api/me',
      headers: { 'azuma-session': headerUser.session.token },
      cookies: { azuma_session: 'C'.repeat(64) },
    });
    expect(res.json()).toMatchObject({ name: headerUser.name });
  });
});

describe('errors from every layer', () => {
  it('when the body is text/plain, then it answers 415 and the handler never runs', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/register',
      payload: '{"name":"plain","password":"correct horse"}',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect((await post('/api/register', { name: 'plain', password: 'correct horse' })).statusCode).toBe(200);
  });

  it('when the body is form-encoded, then it answers 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: 'name=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when there is no body at all, then it answers 400', async () => {
    expectError(await app.inject({ method: 'POST', url: '/api/login' }), 400, 'BAD_REQUEST');
  });

  it('when the JSON body is empty, then it answers 400', async () => {
    expectError(
      await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' } }),
      400,
      'BAD_REQUEST',
    );
  });

  it('when the JSON is malformed, then it answers 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    const body = expectError(res, 400, 'BAD_REQUEST');
    expect(body.detail).toBe('the body is not valid JSON');
  });

  it('when the body is over 16 KiB, then it answers 413', async () => {
    const res = await post('/api/register', { name: 'big', password: 'p'.repeat(17 * 1024) });
    const body = expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.detail).toContain('16384');
  });

  it('when the route or method is unknown, then it answers 404', async () => {
    expectError(await app.inject('/api/nothing'), 404, 'NOT_FOUND');
    expectError(await app.inject({ method: 'DELETE', url: '/api/me' }), 404, 'NOT_FOUND');
    expectError(await app.inject({ method: 'PUT', url: '/api/register', payload: {} }), 404, 'NOT_FOUND');
  });

  it('when something fails unexpectedly, then it answers 500 with no internals', async () => {
    const res = await app.inject('/test/crash');
    const body = expectError(res, 500, 'INTERNAL_SERVER_ERROR');
    expect(res.body).not.toMatch(/SQLITE|SELECT|password_hash|at .*\.ts/);
    expect(body.detail).toBeUndefined();
  });
});

describe('served documents', () => {
  it('when /openapi.yaml is fetched, then it is the contract', async () => {
    const res = await app.inject('/openapi.yaml');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/yaml');
    expect(res.body).toContain('operationId: getMe');
  });

  it('when /docs is fetched, then it is the rendered reference, self-contained', async () => {
    const res = await app.inject('/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Azuma API');
    expect(res.body).not.toMatch(/<script[^>]+src="https?:/);
  });
});
