// Several instances on one PostgreSQL database, within one process: each store is its own pool,
// as each server process would hold. What one instance's memory cannot enforce, the database
// must: one winner per name, one successor per token, a logout that ends the chain whatever
// refresh races it, one sweeper at a time, one migration however many instances start at once.
import { readFileSync } from 'node:fs';
import { loadContract } from '@azuma/contract';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionRules } from '../../server/compose.js';
import { LOCK } from '../../server/db/postgres/locks.js';
import { postgresStore } from '../../server/db/postgres/store.js';
import type { Store } from '../../server/db/store.js';
import { passwordHasher } from '../../server/domains/accounts/passwords.js';
import { accountService } from '../../server/domains/accounts/service.js';
import { sessionService } from '../../server/domains/sessions/service.js';
import { hashToken } from '../../server/domains/sessions/tokens.js';
import { domainMigrations } from '../../server/domains/storage.js';
import { legacyFence, newestVersions } from '../support/legacy-schema.js';
import { newPostgresDatabase } from '../support/postgres.js';
import { TEST_SCRYPT, testConfig } from '../support/server.js';

const INSTANCES = 5;
const contract = loadContract();

let opened: { stores: Store[]; sql: postgres.Sql }[] = [];
afterEach(async () => {
  await Promise.all(opened.flatMap(({ stores, sql }) => [...stores.map((store) => store.close()), sql.end()]));
  opened = [];
});

/** `count` instances started at once on a new database, and a connection of the test's own to look at it. */
async function instances(count = INSTANCES) {
  const url = await newDatabaseWithoutSchema();
  const stores = await Promise.all(Array.from({ length: count }, () => postgresStore(url, { pool: 4 })));
  const sql = postgres(url, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  opened.push({ stores, sql });
  const now = Date.now;
  const services = stores.map((store) => {
    // Tokens live an hour: every use falls in the refresh window and rotates.
    const sessions = sessionService(store.sessions, sessionRules(testConfig({ sessionTtlSeconds: 3600 }), contract), now);
    const passwords = passwordHasher({ params: TEST_SCRYPT, concurrency: 4, queueLimit: 1000 });
    return { store, sessions, accounts: accountService(store.users, passwords, sessions, now) };
  });
  return { url, stores, sql, services };
}

/** A new, empty database (not the migrated template): the instances migrate it themselves. */
async function newDatabaseWithoutSchema(): Promise<string> {
  const url = await newPostgresDatabase();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`DROP TABLE login_clients, login_failures, session_tokens, sessions, users, schema_version, schema_versions`;
  await sql.end();
  return url;
}

/** Each domain at its newest version, as schema_versions holds it once migrated. */
const newest = () => newestVersions(domainMigrations.postgres());
const FENCE = legacyFence(domainMigrations.postgres());

const roundRobin = <T>(items: readonly T[], i: number) => items[i % items.length]!;

describe('several instances on one PostgreSQL database', () => {
  it('when 5 instances start at once on an empty database, then the schema is migrated once', async () => {
    const { sql } = await instances();
    expect(await sql`SELECT domain, version FROM schema_versions ORDER BY domain`).toEqual(newest());
    expect(await sql`SELECT version FROM schema_version`).toEqual([{ version: FENCE }]);
    const tables = await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
    expect(tables.map((t) => t.tablename)).toEqual([
      'login_clients',
      'login_failures',
      'schema_version',
      'schema_versions',
      'session_tokens',
      'sessions',
      'users',
    ]);
  });

  it('when a database has a schema newer than this server knows, then the instance refuses to start', async () => {
    const { url, sql } = await instances(1);
    await sql`UPDATE schema_versions SET version = version + 1 WHERE domain = 'sessions'`;
    await expect(postgresStore(url, { pool: 1 })).rejects.toThrow(/newer than this server knows/);
  });

  it('when a database has a domain this server does not know, then the instance refuses to start', async () => {
    const { url, sql } = await instances(1);
    await sql`INSERT INTO schema_versions (domain, version) VALUES ('channels', 1)`;
    await expect(postgresStore(url, { pool: 1 })).rejects.toThrow(/newer than this server knows/);
  });

  it('when a database the 1.3 server left (one schema_version) is opened, then nothing migrates again and its accounts stay', async () => {
    const url = await newDatabaseWithoutSchema();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const entry = { stores: [] as Store[], sql };
    opened.push(entry);
    await sql.unsafe(readFileSync(new URL('../fixtures/azuma-1.3.postgres.sql', import.meta.url), 'utf8'));
    const passwords = passwordHasher({ params: TEST_SCRYPT, concurrency: 1, queueLimit: 10 });
    await sql`
      INSERT INTO users (id, name, name_key, name_skeleton, name_skeleton_written, password_hash, created_at)
      VALUES ('684ee18058c8cf9417cdb1a1', 'Clara', 'clara', 'clara', 'clara', ${await passwords.hash('correct horse')}, 1750000000000)`;

    const store = await postgresStore(url, { pool: 1 });
    entry.stores.push(store);
    expect(await sql`SELECT domain, version FROM schema_versions ORDER BY domain`).toEqual(newest());
    expect(await sql`SELECT version FROM schema_version`).toEqual([{ version: FENCE }]);
    const sessions = sessionService(store.sessions, sessionRules(testConfig(), contract), Date.now);
    const signedIn = await accountService(store.users, passwords, sessions, Date.now).login('clara', 'correct horse', undefined);
    expect(signedIn?.user.id).toBe('684ee18058c8cf9417cdb1a1');
  });

  it('when 50 registrations of one name (and its look-alikes) arrive at 5 instances at once, then exactly one account exists', async () => {
    const { services, sql } = await instances();
    const names = ['contested', 'CONTESTED', 'Contested', 'c\u043Entested', 'ｃｏｎｔｅｓｔｅｄ'];
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => roundRobin(services, i).accounts.register(roundRobin(names, i), `password-${i}`, undefined)),
    );
    expect(outcomes.filter((o) => o.outcome === 'registered')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'taken')).toHaveLength(49);
    expect(await sql`SELECT count(*)::int AS n FROM users`).toEqual([{ n: 1 }]);
    // Whoever won (a look-alike, maybe), its name and password sign in, on any instance.
    const winner = outcomes.findIndex((o) => o.outcome === 'registered');
    expect(await services[4]!.accounts.login(roundRobin(names, winner), `password-${winner}`, undefined)).toBeDefined();
  });

  it('when one token is refreshed 50 times at once on 5 instances, then all get the same one successor', async () => {
    const { services, sql } = await instances();
    const registration = await services[0]!.accounts.register('refresher', 'correct horse', undefined);
    if (registration.outcome !== 'registered') throw new Error(registration.outcome);
    const { token } = registration.signedIn.session;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => roundRobin(services, i).sessions.authenticate(token)));
    const successors = new Set(answers.map((a) => a?.successor?.token));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).toMatch(contract.session.tokenPattern);
    // The token and its one successor: nothing else was stored.
    const stored = await sql`SELECT token_hash FROM session_tokens`;
    expect(stored.map((row) => Buffer.from(row.token_hash).toString('hex')).sort()).toEqual(
      [hashToken(token), hashToken(successor!)].map((hash) => hash.toString('hex')).sort(),
    );
  });

  it('when one session hops 200 times, each on the next instance, then it never keeps more than two tokens', async () => {
    const { services, sql } = await instances();
    const registration = await services[0]!.accounts.register('hopper', 'correct horse', undefined);
    if (registration.outcome !== 'registered') throw new Error(registration.outcome);
    let { token } = registration.signedIn.session;
    for (let hop = 0; hop < 200; hop++) {
      const answer = await roundRobin(services, hop).sessions.authenticate(token);
      token = answer!.successor!.token;
    }
    expect(await sql`SELECT count(*)::int AS n FROM session_tokens`).toEqual([{ n: 2 }]);
    expect(await sql`SELECT count(*)::int AS n FROM sessions`).toEqual([{ n: 1 }]);
  });

  it('when a logout on one instance races refreshes of its token on the others, then no token of the chain survives', async () => {
    const { services, sql } = await instances();
    const registration = await services[0]!.accounts.register('racer', 'correct horse', undefined);
    if (registration.outcome !== 'registered') throw new Error(registration.outcome);
    const userId = registration.signedIn.user.id;
    // Rounds, so that the logout lands before, among and after the refreshes.
    for (let round = 0; round < 10; round++) {
      const session = await services[0]!.sessions.begin(userId, undefined, registration.signedIn.user.passwordHash);
      if (!session) throw new Error('no session');
      const sessionId = (await services[0]!.sessions.list(userId))[0]!.id;
      const seen = new Set([session.token]);
      const refreshes = Array.from({ length: 12 }, async (_, i) => {
        const answer = await roundRobin(services.slice(1), i).sessions.authenticate(session.token);
        if (answer?.successor) seen.add(answer.successor.token);
      });
      const ended = (async () => {
        await new Promise((resolve) => setTimeout(resolve, round));
        return services[0]!.sessions.end(userId, sessionId);
      })();
      await Promise.all([...refreshes, ended]);
      expect(await ended).toBe(true);
      for (const token of seen) expect(await services[2]!.sessions.authenticate(token)).toBeUndefined();
      expect(await sql`SELECT count(*)::int AS n FROM session_tokens t WHERE t.session_id = ${sessionId}`).toEqual([{ n: 0 }]);
    }
  });

  it('when two instances sweep at once, then one does the work and the other finds it taken', async () => {
    const { stores, sql } = await instances(2);
    const past = Date.now() - 1000;
    await sql`INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at) VALUES ('u', 'u', 'u', 'u', 'h', 0)`;
    await sql`
      INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at)
      SELECT 's' || n, 'u', 0, 0, ${past} FROM generate_series(1, 300) AS n`;
    await sql`
      INSERT INTO session_tokens (token_hash, session_id, expires_at, rotation_salt)
      SELECT sha256(n::text::bytea), 's' || n, ${past}, '\\x00' FROM generate_series(1, 300) AS n`;
    const swept = await Promise.all(stores.map((store) => store.sessions.deleteExpired(Date.now(), 1000)));
    expect(swept.sort((a, b) => a - b)).toEqual([0, 600]);
    expect(await sql`SELECT count(*)::int AS n FROM sessions`).toEqual([{ n: 0 }]);
  });

  it('when another instance holds the sweep, then a sweep returns at once having deleted nothing; once it is free, the work gets done', async () => {
    const { stores, sql } = await instances(1);
    const store = stores[0]!;
    const past = Date.now() - 1000;
    await sql`INSERT INTO login_failures (account, client, failures, window_ends) VALUES ('\\x01', '', 1, ${past})`;
    await sql`INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at) VALUES ('u', 'u', 'u', 'u', 'h', 0)`;
    await sql`INSERT INTO sessions (id, user_id, created_at, last_used_at, ends_at) VALUES ('s', 'u', 0, 0, ${past})`;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => {};
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const other = sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK.sweepSessions}, 0), pg_advisory_xact_lock(${LOCK.sweepAttempts}, 0)`;
      locked();
      await held;
    });
    await holding;
    expect(await store.sessions.deleteExpired(Date.now(), 500)).toBe(0);
    expect(await store.loginAttempts.deleteExpired(Date.now(), 0, 500, 1000)).toBe(0);
    release();
    await other;
    expect(await store.sessions.deleteExpired(Date.now(), 500)).toBe(1);
    expect(await store.loginAttempts.deleteExpired(Date.now(), 0, 500, 1000)).toBe(1);
  });

  it('when 30 wrong guesses on one name arrive at 5 instances at once, then exactly the budget is counted', async () => {
    const { stores, sql } = await instances();
    const account = hashToken('an account');
    const rules = { perClient: 3, perAccount: 10, knownClientMs: 60_000 };
    const now = Date.now();
    const locks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        roundRobin(stores, i).loginAttempts.begin(account, `198.51.100.${i % 6}`, now, now + 60_000, rules),
      ),
    );
    // Ten count (the account-wide budget), every later one finds the account locked for strangers.
    expect(locks.filter((until) => until === undefined)).toHaveLength(10);
    expect(await sql`SELECT failures FROM login_failures WHERE client = ''`).toEqual([{ failures: 10 }]);
  });
});
