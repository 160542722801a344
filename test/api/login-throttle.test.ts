// Per-account brute-force protection through HTTP: failed sign-ins counted per name and client,
// a lock answered 429 with Retry-After that lifts when its window ends, names nobody has treated
// exactly like real ones, and the account's own user still getting in while others attack it.

import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../server/app.js';
import { type Config, ConfigError, loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/sqlite/open.js';
import { asynchronous } from '../../server/db/sqlite/sync.js';
import type { Store } from '../../server/db/store.js';
import { loginThrottle, type ThrottleRules } from '../../server/domains/accounts/login-throttle.js';
import { OWASP_SCRYPT } from '../../server/domains/accounts/passwords.js';
import type { LoginAttemptsRepository } from '../../server/domains/accounts/repository.js';
import { loginAttemptsRepository } from '../../server/domains/accounts/sqlite/login-attempts.js';
import { clientKey } from '../../server/http/client-address.js';
import { api } from '../support/api.js';
import { responseErrors, responseHeaderErrors } from '../support/contract.js';
import { buildTestApp, manualClock, testStore } from '../support/server.js';
import { PASSWORD as password, registerUser } from '../support/users.js';

const WINDOW_S = 900;
const OWNER = '10.0.0.1';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app counting at most 3 failures per client and 10 per account in 15 minutes, on a clock the test moves. */
async function setup(config: Partial<Config> = {}, options: AppOptions = {}) {
  const clock = manualClock();
  app = await buildTestApp(
    { loginFailuresPerClient: 3, loginFailuresPerAccount: 10, loginFailureWindowSeconds: WINDOW_S, ...config },
    { now: clock.now, ...options },
  );
  return clock;
}

const login = (name: string, pw: string, remoteAddress: string) =>
  api(app!).post('/api/login', { body: { name, password: pw }, remoteAddress });

const register = async (name: string, remoteAddress = OWNER) => (await registerUser(app!, { name, remoteAddress })).token;

/** Fails unless the answer is the contract's 429 for that operation, and returns its Retry-After in seconds. */
function expectLocked(res: LightMyRequestResponse, path = '/api/login', method = 'POST'): number {
  expect(res.statusCode, res.body).toBe(429);
  expect(responseErrors(method, path, 429, res.json())).toEqual([]);
  expect(responseHeaderErrors(method, path, 429, res.headers)).toEqual([]);
  expect(res.json()).toMatchObject({ code: 429, message: ERROR_MESSAGES[429] });
  return Number(res.headers['retry-after']);
}

describe('failed sign-ins per name and client', () => {
  it('when a client fails 3 times on a name, then the 4th attempt is 429 with Retry-After to the end of the window, even with the right password', async () => {
    await setup();
    await register('alice');
    for (let i = 0; i < 3; i++) expect((await login('alice', 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
    expect(expectLocked(await login('alice', 'wrong guess', '203.0.113.7'))).toBe(WINDOW_S);
    // A lock that let the right password through would tell the attacker when it guessed right.
    const right = await login('alice', password, '203.0.113.7');
    expect(expectLocked(right)).toBe(WINDOW_S);
    expect(right.json().detail).toBe(`too many failed sign-ins to this name; retry in ${WINDOW_S} seconds`);
  });

  it('when the window ends, then the lock lifts, Retry-After having counted down to it', async () => {
    const clock = await setup();
    await register('alice');
    for (let i = 0; i < 3; i++) await login('alice', 'wrong guess', '203.0.113.7');
    clock.advance(600_000);
    expect(expectLocked(await login('alice', password, '203.0.113.7'))).toBe(WINDOW_S - 600);
    clock.advance((WINDOW_S - 600) * 1000 - 1);
    expect(expectLocked(await login('alice', password, '203.0.113.7'))).toBe(1);
    clock.advance(1);
    expect((await login('alice', password, '203.0.113.7')).statusCode).toBe(200);
  });

  it('when a name nobody has is tried, then it answers and locks exactly as a real account does', async () => {
    await setup();
    await register('alice');
    const answers = async (name: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await login(name, 'wrong guess', '203.0.113.7');
        seen.push(`${res.statusCode} ${res.headers['retry-after'] ?? '-'} ${res.body}`);
      }
      return seen;
    };
    const real = await answers('alice');
    expect(real.map((line) => line.slice(0, 3))).toEqual(['401', '401', '401', '429', '429']);
    expect(await answers('nobody-here')).toEqual(real);
  });

  it('when one client is locked out of a name, then other clients and other names are not', async () => {
    await setup();
    await register('alice');
    await register('bob');
    for (let i = 0; i < 4; i++) await login('alice', 'wrong guess', '203.0.113.7');
    expectLocked(await login('alice', 'wrong guess', '203.0.113.7'));
    expect((await login('bob', 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
    expect((await login('alice', password, '198.51.100.4')).statusCode).toBe(200);
  });

  it('when the name comes in another letter case, then it is the same name for the count', async () => {
    await setup();
    await register('alice');
    for (const name of ['alice', 'ALICE', 'Alice']) expect((await login(name, 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
    expectLocked(await login('aLiCe', password, '203.0.113.7'));
  });

  it('when a client signs in, then its own failures are forgotten', async () => {
    await setup();
    await register('alice');
    for (let i = 0; i < 2; i++) await login('alice', 'typo', OWNER);
    expect((await login('alice', password, OWNER)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login('alice', 'typo', OWNER)).statusCode).toBe(401);
    expectLocked(await login('alice', 'typo', OWNER));
  });

  it('when guesses arrive all at once, then exactly the budget is checked and the rest are 429 before any hashing', async () => {
    await setup();
    await register('alice');
    const burst = await Promise.all(Array.from({ length: 12 }, () => login('alice', 'wrong guess', '203.0.113.7')));
    const statuses = burst.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
  });

  it('when the server is too busy to check a password (503), then that attempt does not count', async () => {
    // Hashes slow enough that the burst meets one still running, also where the attempts reach
    // the hasher one by one (on PostgreSQL they take turns on the account's lock first).
    await setup({ hashConcurrency: 1, hashQueueLimit: 0 }, { scrypt: OWASP_SCRYPT });
    await register('alice');
    const burst = await Promise.all(Array.from({ length: 6 }, () => login('alice', 'wrong guess', '203.0.113.7')));
    const checked = burst.filter((res) => res.statusCode === 401).length;
    const busy = burst.filter((res) => res.statusCode === 503).length;
    // Where attempts interleave (on PostgreSQL), one may meet the lock while a busy one is still
    // being taken back; it is refused before hashing, so it does not count either.
    const locked = burst.filter((res) => res.statusCode === 429).length;
    expect(busy).toBeGreaterThan(0);
    expect(checked + busy + locked).toBe(6);
    // Only the checked guesses spent the budget of 3: exactly the rest of it is left.
    for (let i = checked; i < 3; i++) expect((await login('alice', 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
    expectLocked(await login('alice', 'wrong guess', '203.0.113.7'));
  });

  it('when failures come from one IPv6 /64, then they count as one client; another /64 is another client', async () => {
    await setup();
    await register('alice');
    for (const address of ['2001:db8:0:7::1', '2001:db8:0:7:a:b:c:d', '2001:db8:0:7:ffff:1:2:3']) {
      expect((await login('alice', 'wrong guess', address)).statusCode).toBe(401);
    }
    expectLocked(await login('alice', 'wrong guess', '2001:db8:0:7::99'));
    expect((await login('alice', 'wrong guess', '2001:db8:0:8::1')).statusCode).toBe(401);
  });

  it('when AZUMA_LOGIN_FAILURES_PER_CLIENT and _PER_ACCOUNT are 0, then nothing is counted', async () => {
    await setup({ loginFailuresPerClient: 0, loginFailuresPerAccount: 0 });
    for (let i = 0; i < 30; i++) expect((await login('nobody', 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
  });
});

describe('an account attacked from many addresses', () => {
  /** Spends alice's account-wide budget of 10 from 4 attackers' addresses, 3 then 3 then 3 then 1. */
  async function attack() {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login('alice', `guess ${i}`, `203.0.113.${10 + Math.floor(i / 3)}`)).statusCode);
    expect(statuses).toEqual(Array(10).fill(401));
  }

  it('when the account-wide budget is spent, then a new address is locked out, but the client alice signed in from still gets in', async () => {
    await setup();
    await register('alice');
    await attack();
    expect(expectLocked(await login('alice', 'guess 10', '203.0.113.99'))).toBe(WINDOW_S);
    // The right password from an address the account does not know is refused too: a lock that
    // let it through would be an oracle for the attackers.
    expectLocked(await login('alice', password, '198.51.100.4'));
    expect((await login('alice', password, OWNER)).statusCode).toBe(200);
  });

  it('when the owner last signed in over 30 days ago, then the account-wide lock holds for that address too; it lifts with the window', async () => {
    const clock = await setup();
    await register('alice');
    clock.advance(31 * 24 * 3600 * 1000);
    await attack();
    expectLocked(await login('alice', password, OWNER));
    clock.advance(WINDOW_S * 1000);
    expect((await login('alice', password, '198.51.100.4')).statusCode).toBe(200);
  });

  it('when a name nobody has is attacked the same way, then a new address is locked out the same way', async () => {
    await setup();
    for (let i = 0; i < 10; i++) await login('nobody', `guess ${i}`, `203.0.113.${10 + Math.floor(i / 3)}`);
    expect(expectLocked(await login('nobody', 'guess 10', '203.0.113.99'))).toBe(WINDOW_S);
  });
});

describe('password change with a wrong current password', () => {
  const change = (token: string, currentPassword: string, remoteAddress: string) =>
    api(app!).put('/api/me/password', { token, body: { currentPassword, newPassword: 'a new passphrase' }, remoteAddress });

  it('when a session guesses the current password, then it spends the login budget of that name and client', async () => {
    await setup();
    const token = await register('alice');
    for (let i = 0; i < 3; i++) expect((await change(token, 'wrong guess', '203.0.113.7')).statusCode).toBe(401);
    expectLocked(await change(token, password, '203.0.113.7'), '/api/me/password', 'PUT');
    expectLocked(await login('alice', password, '203.0.113.7'));
    expect((await change(token, password, OWNER)).statusCode).toBe(200);
  });
});

describe('what the throttle stores', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  /** The throttle on a fresh store of the run's backend. */
  async function throttle(rules: Partial<ThrottleRules> = {}) {
    store = await testStore();
    const repo = store.loginAttempts;
    const clock = manualClock();
    const service = loginThrottle(
      repo,
      { perClient: 3, perAccount: 10, windowMs: WINDOW_S * 1000, knownClientMs: 3_600_000, maxFailureRows: 1000, ...rules },
      clock.now,
    );
    return { repo, clock, service };
  }

  it('when thousands of names fail, then the sweep keeps the failure rows within their bound, and ended windows go', async () => {
    const { repo, clock, service } = await throttle({ maxFailureRows: 500 });
    for (let i = 0; i < 2000; i++) {
      await service.begin(`name-${i}`, `198.51.100.${i % 200}`);
      clock.advance(10);
    }
    // A row per name and client, and one per name as a whole.
    expect((await repo.size()).failures).toBe(4000);
    while ((await service.deleteExpired(clock.now(), 500)) > 0);
    expect((await repo.size()).failures).toBe(500);
    clock.advance(WINDOW_S * 1000);
    while ((await service.deleteExpired(clock.now(), 500)) > 0);
    expect((await repo.size()).failures).toBe(0);
  });

  it('when an account signs in from many clients, then it remembers only its 10 latest, each until it is no longer recent', async () => {
    const { repo, clock, service } = await throttle();
    for (let i = 0; i < 25; i++) {
      await service.signedIn('alice', `198.51.100.${i}`);
      clock.advance(1000);
    }
    expect((await repo.size()).clients).toBe(10);
    clock.advance(3_600_000);
    while ((await service.deleteExpired(clock.now(), 500)) > 0);
    expect((await repo.size()).clients).toBe(0);
  });

  it('when names come in, then what is stored is a hash of the identity key, never the name', async () => {
    const db = openDatabase(':memory:');
    const service = loginThrottle(
      asynchronous<LoginAttemptsRepository>(loginAttemptsRepository(db)),
      { perClient: 3, perAccount: 10, windowMs: 60_000, knownClientMs: 60_000, maxFailureRows: 10 },
      Date.now,
    );
    await service.begin('my secret password', '198.51.100.1');
    const rows = db.prepare('SELECT account, client FROM login_failures').all() as { account: Buffer; client: string }[];
    expect(rows.map((row) => [row.account.length, row.client]).sort()).toEqual([
      [32, ''],
      [32, '198.51.100.1'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('secret');
  });
});

describe('settings', () => {
  it('when nothing is set, then 10 failures per client and 50 per account count over 15 minutes', () => {
    expect(loadConfig({})).toMatchObject({ loginFailuresPerClient: 10, loginFailuresPerAccount: 50, loginFailureWindowSeconds: 900 });
  });

  it.each([
    [{ AZUMA_LOGIN_FAILURES_PER_CLIENT: 'ten' }, 'AZUMA_LOGIN_FAILURES_PER_CLIENT must be a whole number from 0 to 1000'],
    [{ AZUMA_LOGIN_FAILURES_PER_ACCOUNT: '-1' }, 'AZUMA_LOGIN_FAILURES_PER_ACCOUNT must be a whole number from 0 to 1000000'],
    [{ AZUMA_LOGIN_FAILURE_WINDOW: '0' }, 'AZUMA_LOGIN_FAILURE_WINDOW must be a whole number from 1 to 86400'],
    [
      { AZUMA_LOGIN_FAILURES_PER_CLIENT: '20', AZUMA_LOGIN_FAILURES_PER_ACCOUNT: '5' },
      'AZUMA_LOGIN_FAILURES_PER_ACCOUNT (5) must be at least AZUMA_LOGIN_FAILURES_PER_CLIENT (20), or 0',
    ],
  ])('when the environment is %o, then start-up stops saying so', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message).message);
  });

  it('when either count is 0, then the other may be anything', () => {
    expect(loadConfig({ AZUMA_LOGIN_FAILURES_PER_CLIENT: '20', AZUMA_LOGIN_FAILURES_PER_ACCOUNT: '0' }).loginFailuresPerAccount).toBe(0);
    expect(loadConfig({ AZUMA_LOGIN_FAILURES_PER_CLIENT: '0', AZUMA_LOGIN_FAILURES_PER_ACCOUNT: '3' }).loginFailuresPerClient).toBe(0);
  });
});

describe('client keys', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0007:ffff:1:2:3', '2001:db8:0:7::/64'],
    ['2001:db8:0:7::', '2001:db8:0:7::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::198.51.100.7', '64:ff9b:0:0::/64'],
  ])('when the address is %s, then failures count against %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
