// Text PostgreSQL cannot hold: its `text` refuses U+0000, which JSON can carry (`"\u0000"`). No
// request may turn that into a 5xx, and every engine answers alike: a string no account could
// have is no account, and a field whose schema refuses it is a 400.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, SESSION_HEADER_KEY } from '../support/api.js';
import { buildTestApp } from '../support/server.js';
import { PASSWORD, registerUser } from '../support/users.js';

describe('a NUL in what a client sends', () => {
  let app: FastifyInstance;
  let token: string;
  beforeAll(async () => {
    app = await buildTestApp();
    ({ token } = await registerUser(app, { name: 'nul-owner' }));
  });
  afterAll(() => app.close());

  type Method = 'POST' | 'PATCH' | 'DELETE' | 'GET';
  // Inject itself: a NUL goes raw into a path or query here, and one request uses a method the path does not have.
  const call = (method: Method, url: string, payload?: Record<string, string>) =>
    app.inject({ method, url, headers: { [SESSION_HEADER_KEY]: token }, ...(payload === undefined ? {} : { payload }) });

  it.each([
    ['nul\u0000owner', 'inside a name an account has'],
    ['\u0000', 'alone'],
    ['nul-owner\u0000', 'after a name an account has'],
  ])('when the login name is %j (a NUL %s), then login answers 401 as for any unknown name', async (name) => {
    const res = await api(app).post('/api/login', { body: { name, password: PASSWORD } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual((await api(app).post('/api/login', { body: { name: 'nobody-here', password: PASSWORD } })).json());
  });

  it.each<[Method, string, Record<string, string> | undefined, string]>([
    ['POST', '/api/register', { name: 'nul\u0000name', password: 'correct horse' }, 'the name to register'],
    ['POST', '/api/register', { name: 'nul-password', password: 'correct\u0000horse' }, 'a password, which is hashed, never stored'],
    ['PATCH', '/api/me', { icon: 'https://example.com/\u0000.png' }, 'the icon'],
    ['PATCH', '/api/me', { status: 'away\u0000' }, 'the status'],
    ['POST', '/api/me/password', { currentPassword: 'correct\u0000horse', newPassword: 'correct horse 2' }, 'the current password'],
    ['DELETE', '/api/me/sessions/%00', undefined, 'a session id in the path'],
    ['GET', '/api/me?x=%00', undefined, 'a query string'],
  ])('when %s %s carries a NUL (%s), then it answers a 4xx or 200, never a 5xx', async (method, url, payload) => {
    const res = await call(method, url, payload);
    expect(res.statusCode).toBeLessThan(500);
    if (res.statusCode >= 400) expect(res.json()).toMatchObject({ code: res.statusCode });
  });

  it('when the icon holds a NUL, then it answers 400 and the profile is unchanged', async () => {
    const res = await call('PATCH', '/api/me', { icon: 'https://example.com/\u0000.png' });
    expect(res.statusCode).toBe(400);
    expect((await call('GET', '/api/me')).json().icon).toBeNull();
  });
});
