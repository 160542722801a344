// Password screening through HTTP: register and password change refuse a password that is, as a
// whole, on the common-password list the contract names; login never screens.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract } from '@azuma/contract';
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/sqlite/open.js';
import { nameIdentity } from '../server/domains/accounts/name-identity.js';
import { passwordHasher } from '../server/domains/accounts/passwords.js';
import { usersRepository } from '../server/domains/accounts/sqlite/users.js';
import { newObjectId } from '../server/platform/ids.js';
import { api } from './support/api.js';
import { responseErrors } from './support/contract.js';
import { buildTestApp, TEST_SCRYPT } from './support/server.js';
import { PASSWORD } from './support/users.js';

const dir = mkdtempSync(join(tmpdir(), 'azuma-screening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const register = (name: string, password: string) => api(app!).post('/api/register', { body: { name, password } });
const login = (name: string, password: string) => api(app!).post('/api/login', { body: { name, password } });

function expectRefused(res: LightMyRequestResponse, field: string, path = '/api/register', method = 'POST') {
  expect(res.statusCode, res.body).toBe(400);
  expect(responseErrors(method, path, 400, res.json())).toEqual([]);
  expect(res.json()).toEqual({
    code: 400,
    message: ERROR_MESSAGES[400],
    detail: `${field} is too common: it is on a list of the passwords leaks show people use most; choose another`,
  });
}

describe('register', () => {
  it.each([
    ['password1', 'one of the list, as it is'],
    ['PassWord1', 'its letters A–Z in any case'],
    ['Maverick', 'a longer entry, first letter upper case'],
    ['slip\u212Anot', 'with a Kelvin sign, which NFC makes a K'],
  ])('when the password is %s (%s), then it is 400 and the name stays free', async (password) => {
    app = await buildTestApp();
    expectRefused(await register('alice', password), 'body/password');
    expect((await register('alice', PASSWORD)).statusCode).toBe(200);
  });

  it.each([
    ['password1 and then some', 'a list entry inside a longer password'],
    ['ｐａｓｓｗｏｒｄ１', 'fullwidth letters, which only NFKC would map'],
    ['pässword1', 'a letter outside A–Z'],
    ['user1-secret', "the contract's own example"],
  ])('when the password is %s (%s), then it registers and logs in', async (password) => {
    app = await buildTestApp();
    expect((await register('alice', password)).statusCode).toBe(200);
    expect((await login('alice', password)).statusCode).toBe(200);
  });

  it('when the name is taken and the password common, then the password is refused first (the name is not looked at)', async () => {
    app = await buildTestApp();
    expect((await register('alice', PASSWORD)).statusCode).toBe(200);
    expectRefused(await register('alice', 'password1'), 'body/password');
  });
});

describe('password change', () => {
  const change = (token: string, currentPassword: string, newPassword: string) =>
    api(app!).put('/api/me/password', { token, body: { currentPassword, newPassword } });

  it('when the new password is common, then it is 400, before the current password is checked, and nothing changes', async () => {
    app = await buildTestApp();
    const { token } = (await register('alice', PASSWORD)).json();
    expectRefused(await change(token, PASSWORD, 'iloveyou'), 'body/newPassword', '/api/me/password', 'PUT');
    expectRefused(await change(token, 'not the current one', 'Sunshine'), 'body/newPassword', '/api/me/password', 'PUT');
    expect((await api(app).get('/api/me', { token })).statusCode).toBe(200);
    expect((await login('alice', PASSWORD)).statusCode).toBe(200);
    expect((await change(token, PASSWORD, 'a new passphrase')).statusCode).toBe(200);
  });
});

describe('login', () => {
  it('when an account was registered with a common password before screening, then it still logs in', async () => {
    const dbLocation = join(dir, 'before-screening.sqlite');
    const db = openDatabase(dbLocation);
    const hasher = passwordHasher({ params: TEST_SCRYPT, concurrency: 1, queueLimit: 1 });
    usersRepository(db).insert({
      id: newObjectId(Date.now()),
      name: 'veteran',
      nameKey: nameIdentity('veteran').key,
      nameSkeleton: nameIdentity('veteran').skeleton,
      nameSkeletonWritten: nameIdentity('veteran').writtenSkeleton,
      passwordHash: await hasher.hash('password1'),
      createdAt: Date.now(),
    });
    db.close();
    app = await buildTestApp({ dbLocation });
    expect((await login('veteran', 'password1')).statusCode).toBe(200);
    expect((await login('nobody', 'password1')).statusCode).toBe(401);
  });
});

describe('the list', () => {
  it('when the contract names the list, then it is the one installed, at that version', () => {
    const accounts = loadContract().document.info.description ?? '';
    const named = /`passwords-common` list of `(@zxcvbn-ts\/language-common)` ([\d.]+)/.exec(accounts);
    expect(named, 'the Accounts section names the list and its version').not.toBeNull();
    const require = createRequire(import.meta.url);
    const manifest = JSON.parse(readFileSync(require.resolve(`${named![1]}/package.json`), 'utf8')) as { version: string };
    expect(manifest.version).toBe(named![2]);
  });
});
