// The four operations through HTTP (inject): shapes per the contract, cookies, names, errors.

import { loadContract } from '@azuma/contract';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, api, SESSION_HEADER_KEY } from '../support/api.js';
import { expectError, expectSchema } from '../support/contract.js';
import { buildTestApp } from '../support/server.js';
import { PASSWORD, registerUser, uniqueName } from '../support/users.js';

const { session: facts, version } = loadContract();

let app: FastifyInstance;
let client: Api<LightMyRequestResponse>;
beforeAll(async () => {
  app = await buildTestApp();
  client = api(app);
  // A route that fails unexpectedly, to see what a crash looks like from outside.
  app.get('/test/crash', async () => {
    throw new Error('SQLITE_CORRUPT: SELECT password_hash FROM users');
  });
});
afterAll(() => app.close());

const register = (body: { name: string; password: string }) => client.post('/api/register', { body });
const login = (body: { name: string; password: string }) => client.post('/api/login', { body });

describe('GET /api/', () => {
  it('when asked, then it reports info.version of the contract', async () => {
    const res = await client.get('/api/');
    expect(res.statusCode).toBe(200);
    expectSchema('Version', res.json());
    expect(res.json()).toEqual({ version });
  });
});

describe('POST /api/register', () => {
  it('when the name is new, then it answers a Session and sets the session cookie', async () => {
    const before = Date.now();
    const { response: res, session } = await registerUser(app);
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
    expect(res.headers['set-cookie']).toBe(`${facts.cookie}=${session.token}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('when the name is taken in any letter case, then it answers 409 ALREADY_EXISTS', async () => {
    const { name } = await registerUser(app, { name: uniqueName('Alice') });
    expectError(await register({ name, password: 'another password' }), 409);
    expectError(await register({ name: name.toUpperCase(), password: 'another password' }), 409);
    expectError(await register({ name: name.toLowerCase(), password: 'another password' }), 409);
  });

  it('when the name uses letters of other scripts, then they are accepted and compared case-insensitively', async () => {
    const name = `Zoë_Ωμέγα-${uniqueName('')}.ß`;
    const { session } = await registerUser(app, { name });
    const me = await client.get('/api/me', { token: session.token });
    expect(me.json()).toMatchObject({ name });
    expectError(await register({ name: name.toLowerCase(), password: PASSWORD }), 409);
    // The NFD spelling is the same name (RFC 8265 prepares both to one form): taken, and login
    // finds the account by it in any letter case, except that upper-casing ß gives SS, another name.
    expectError(await register({ name: name.normalize('NFD'), password: PASSWORD }), 409);
    const signedIn = await login({ name: name.normalize('NFD').replace('.ß', '.ẞ').toUpperCase(), password: PASSWORD });
    expect(signedIn.json()).toMatchObject({ userid: session.userid });
    expectError(await login({ name: name.toUpperCase(), password: PASSWORD }), 401);
  });

  it.each([
    ['a password under 8 characters', { name: 'shortpw', password: 'user2' }, 'body/password must NOT have fewer than 8 characters'],
    [
      'a password over 256 characters',
      { name: 'longpw', password: 'x'.repeat(257) },
      'body/password must NOT have more than 256 characters',
    ],
    ['an empty name', { name: '', password: PASSWORD }, 'body/name must NOT have fewer than 1 characters'],
    ['a name over 32 characters', { name: 'n'.repeat(33), password: PASSWORD }, 'body/name must NOT have more than 32 characters'],
    ['a space in the name', { name: 'two words', password: PASSWORD }, 'body/name must match pattern'],
    ['a slash in the name', { name: 'a/b', password: PASSWORD }, 'body/name must match pattern'],
    ['a missing password', { name: 'nopw' }, "body must have required property 'password'"],
    ['an unknown property', { name: 'extra', password: PASSWORD, admin: true }, 'body/admin is not allowed'],
    ['a number for the name', { name: 42, password: PASSWORD }, 'body/name must be string'],
    ['an array body', [], 'body must be object'],
  ])('when the body has %s, then it answers 400 naming the field', async (_case, uncheckedBody, detail) => {
    const body = expectError(await client.post('/api/register', { uncheckedBody }), 400);
    expect(body.detail).toContain(detail);
  });

  it('when a body is rejected, then nothing was stored', async () => {
    await client.post('/api/register', { uncheckedBody: { name: 'ghost', password: PASSWORD, admin: true } });
    const res = await register({ name: 'ghost', password: PASSWORD });
    expect(res.statusCode).toBe(200);
  });
});

describe('POST /api/login', () => {
  it('when name (in any case) and password match, then it answers a new Session and sets the cookie', async () => {
    const { name, password, session: registered } = await registerUser(app, { name: uniqueName('Bob') });
    const res = await login({ name: name.toUpperCase(), password });
    expect(res.statusCode).toBe(200);
    const session = res.json();
    expectSchema('Session', session);
    expect(session.userid).toEqual(registered.userid);
    expect(session.token).not.toBe(registered.token);
    expect(res.headers['set-cookie']).toBe(`${facts.cookie}=${session.token}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('when the password is wrong or the name unknown, then both answer the same 401', async () => {
    const { name } = await registerUser(app);
    const wrong = expectError(await login({ name, password: 'wrong password' }), 401);
    const unknown = expectError(await login({ name: uniqueName('nobody'), password: 'wrong password' }), 401);
    expect(unknown).toEqual(wrong);
  });

  it('when the password is shorter than the register minimum, then login still just says 401', async () => {
    const { name } = await registerUser(app);
    expectError(await login({ name, password: 'x' }), 401);
  });

  it('when the body is empty, then it answers 400', async () => {
    expectError(await client.post('/api/login', { uncheckedBody: { name: 'x', password: '' } }), 400);
  });
});

describe('GET /api/me', () => {
  it('when the header carries the token, then it answers the user with null icon and status', async () => {
    const { name, session } = await registerUser(app);
    const res = await client.get('/api/me', { token: session.token });
    expect(res.statusCode).toBe(200);
    expectSchema('User', res.json());
    expect(res.json()).toEqual({ _id: session.userid, name, icon: null, status: null });
    // Far from expiry: no refresh.
    expect(res.headers[SESSION_HEADER_KEY]).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('when the cookie carries the token, then it answers the user', async () => {
    const { name, token } = await registerUser(app);
    const res = await client.get('/api/me', { cookie: token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name });
  });

  it.each([
    ['no credential', {}],
    ['an unknown token', { token: 'A'.repeat(64) }],
    ['a malformed token', { token: 'not a token' }],
    ['an oversized token', { token: 'A'.repeat(8000) }],
    ['an unknown cookie', { cookie: 'B'.repeat(64) }],
  ])('when the request has %s, then it answers 401 in the error shape', async (_case, credentials) => {
    expectError(await client.get('/api/me', credentials), 401);
  });

  it('when cookie and header both carry live tokens, then the cookie wins', async () => {
    const cookieUser = await registerUser(app, { name: uniqueName('cookie') });
    const headerUser = await registerUser(app, { name: uniqueName('header') });
    const res = await client.get('/api/me', { token: headerUser.token, cookie: cookieUser.token });
    expect(res.json()).toMatchObject({ name: cookieUser.name });
  });

  it('when the cookie is dead but the header is live, then the header authenticates', async () => {
    const headerUser = await registerUser(app, { name: uniqueName('header') });
    const res = await client.get('/api/me', { token: headerUser.token, cookie: 'C'.repeat(64) });
    expect(res.json()).toMatchObject({ name: headerUser.name });
  });
});

describe('errors from every layer', () => {
  it('when the body is text/plain, then it answers 415 and the handler never runs', async () => {
    const res = await client.post('/api/register', {
      uncheckedBody: '{"name":"plain","password":"correct horse"}',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(res, 415);
    expect((await register({ name: 'plain', password: PASSWORD })).statusCode).toBe(200);
  });

  it('when the body is form-encoded, then it answers 415', async () => {
    const res = await client.post('/api/login', {
      uncheckedBody: 'name=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(res, 415);
  });

  it('when there is no body at all, then it answers 400', async () => {
    // Inject itself: the client sends a body's content type only with a body.
    expectError(await app.inject({ method: 'POST', url: '/api/login' }), 400);
  });

  it('when the JSON body is empty, then it answers 400', async () => {
    expectError(await client.post('/api/login', { headers: { 'content-type': 'application/json' } }), 400);
  });

  it('when the JSON is malformed, then it answers 400', async () => {
    const res = await client.post('/api/login', { uncheckedBody: '{"name": ' });
    const body = expectError(res, 400);
    expect(body.detail).toBe('the body is not valid JSON');
  });

  it('when the body is over 16 KiB, then it answers 413', async () => {
    const res = await register({ name: 'big', password: 'p'.repeat(17 * 1024) });
    const body = expectError(res, 413);
    expect(body.detail).toContain('16384');
  });

  it('when the route or method is unknown, then it answers 404', async () => {
    // What the contract does not have, so the typed client cannot send it.
    expectError(await app.inject('/api/nothing'), 404);
    expectError(await app.inject({ method: 'DELETE', url: '/api/me' }), 404);
    expectError(await app.inject({ method: 'PUT', url: '/api/register', payload: {} }), 404);
  });

  it('when something fails unexpectedly, then it answers 500 with no internals', async () => {
    const res = await app.inject('/test/crash');
    const body = expectError(res, 500);
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
