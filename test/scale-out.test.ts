// Three server processes on one PostgreSQL and one Redis, as an operator scales out: each request
// goes to the next instance in turn, and the rules hold across them because the database and
// Redis enforce them, not any process's memory.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, startPostgres } from '../tools/postgres-cluster.js';
import { type RedisServer, startRedis } from '../tools/redis-server.js';
import { type ServerProcess, spawnServer } from '../tools/server-process.js';
import { type Method, type PathOf, type RequestBody, SESSION_HEADER_KEY } from './support/api.js';
import { servicesEnabled } from './support/services.js';

/** Auth requests per client address per minute, counted once across the three. */
const RATE_LIMIT = 60;
const PASSWORD = 'correct horse battery';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { [key: string]: unknown };
}

/**
 * One request, typed as test/support/api.ts types them. `from` is the loopback address it comes
 * from (which fetch cannot choose): the rate limit counts per client address, so each test speaks
 * from its own and none spends another's budget.
 */
function call<M extends Method, P extends PathOf<M>>(
  base: string,
  method: M,
  path: P,
  options: { body?: RequestBody<P, M>; uncheckedBody?: unknown; token?: string; from: string },
): Promise<Answer> {
  const sent = 'uncheckedBody' in options ? options.uncheckedBody : options.body;
  const payload = sent === undefined ? undefined : JSON.stringify(sent);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: method.toUpperCase(),
        localAddress: options.from,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token === undefined ? {} : { [SESSION_HEADER_KEY]: options.token }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe.runIf(servicesEnabled('postgres', 'redis'))('three instances on one PostgreSQL and one Redis', () => {
  let postgres: PostgresCluster;
  let redis: RedisServer;
  let servers: ServerProcess[] = [];
  let next = 0;
  /** The instances in turn: each call goes to the next one. */
  const roundRobin = () => servers[next++ % servers.length]!.url;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const env = {
      AZUMA_DB: postgres.url,
      AZUMA_REDIS_URL: redis.url,
      AZUMA_AUTH_RATE_LIMIT: String(RATE_LIMIT),
      // Shorter than the 7-day refresh window: every use of a token is due for a successor.
      AZUMA_SESSION_TTL: '3600',
      AZUMA_LOG_LEVEL: 'info',
      // Fifty registrations at the real hashing cost queue for seconds on a loaded 2-core machine:
      // the idle timeout (which also runs while an answer is being computed) must not cut them off.
      AZUMA_IDLE_TIMEOUT: '120',
      AZUMA_REQUEST_TIMEOUT: '120',
    };
    // All three at once on an empty database: the migration lock lets exactly one migrate.
    servers = await Promise.all([0, 1, 2].map(() => spawnServer(env)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('when an account registers on one instance, then it logs in on another and reads itself on a third', async () => {
    const from = '127.0.0.2';
    const [a, b, c] = servers.map((server) => server.url) as [string, string, string];
    const registered = await call(a, 'post', '/api/register', { body: { name: 'roamer', password: PASSWORD }, from });
    expect(registered.status).toBe(200);
    const login = await call(b, 'post', '/api/login', { body: { name: 'roamer', password: PASSWORD }, from });
    expect(login.status).toBe(200);
    const me = await call(c, 'get', '/api/me', { token: login.body.token as string, from });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'roamer', _id: registered.body.userid });
  });

  it('when 50 registrations of one name arrive across the instances at once, then exactly one gets the account', async () => {
    const from = '127.0.0.3';
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(roundRobin(), 'post', '/api/register', { body: { name: i % 2 ? 'Contested' : 'contested', password: PASSWORD }, from }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 409)).toBe(true);
  }, 60_000);

  it('when one token is refreshed 50 times at once across the instances, then they all hand out one successor', async () => {
    const from = '127.0.0.4';
    const login = await call(roundRobin(), 'post', '/api/register', { body: { name: 'refresher', password: PASSWORD }, from });
    const token = login.body.token as string;
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(roundRobin(), 'get', '/api/me', { token, from })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    const successors = new Set(answers.map((answer) => answer.headers[SESSION_HEADER_KEY]));
    expect(successors.size).toBe(1);
    const [successor] = successors as Set<string>;
    expect(successor).toMatch(/./);
    expect(successor).not.toBe(token);
    // One session, whichever instance lists it, and the successor opens it everywhere.
    for (const server of servers) {
      const listed = await call(server.url, 'get', '/api/me/sessions', { token: successor, from });
      expect(listed.status).toBe(200);
      expect(listed.body.sessions).toHaveLength(1);
    }
  }, 60_000);

  it('when a logout on one instance races refreshes on the others, then the whole chain ends', async () => {
    const from = '127.0.0.5';
    const login = await call(roundRobin(), 'post', '/api/register', { body: { name: 'leaver', password: PASSWORD }, from });
    const token = login.body.token as string;
    const [a, b, c] = servers.map((server) => server.url) as [string, string, string];
    const racing = await Promise.all([
      call(b, 'get', '/api/me', { token, from }),
      call(a, 'post', '/api/logout', { token, from }),
      call(c, 'get', '/api/me', { token, from }),
    ]);
    expect(racing[1].status).toBe(204);
    const handedOut = racing.map((answer) => answer.headers[SESSION_HEADER_KEY]).filter((t): t is string => typeof t === 'string');
    for (const server of servers) {
      for (const t of [token, ...handedOut]) expect((await call(server.url, 'get', '/api/me', { token: t, from })).status).toBe(401);
    }
  }, 60_000);

  it('when a client goes past the auth rate limit, then it is counted once across the instances', async () => {
    const from = '127.0.0.6';
    // Empty bodies: each answers 400 at once, with no hashing, and is counted all the same.
    const answers = [];
    for (let i = 0; i < RATE_LIMIT + 6; i++) answers.push(await call(roundRobin(), 'post', '/api/login', { uncheckedBody: {}, from }));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.slice(0, RATE_LIMIT)).toEqual(Array(RATE_LIMIT).fill(400));
    expect(statuses.slice(RATE_LIMIT)).toEqual(Array(6).fill(429));
    expect(answers[0]!.headers['x-ratelimit-limit']).toBe(String(RATE_LIMIT));
  }, 60_000);

  it('when PostgreSQL restarts under load, then the instances answer 503 while it is down and serve again by themselves', async () => {
    const from = '127.0.0.7';
    const login = await call(roundRobin(), 'post', '/api/register', { body: { name: 'patient', password: PASSWORD }, from });
    const token = login.body.token as string;
    // Load all along: four clients reading /api/me in turn from every instance, each answer timed.
    const seen: { status: number; started: number; ms: number }[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const started = Date.now();
        const answer = await call(roundRobin(), 'get', '/api/me', { token, from });
        seen.push({ status: answer.status, started, ms: Date.now() - started });
        if (answer.status === 503) expect(answer.body).toMatchObject({ code: 503 });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await postgres.stopServer();
    const during = await Promise.all(
      servers.flatMap((server) => [
        call(server.url, 'get', '/api/me', { token, from }),
        call(server.url, 'get', '/api/health/ready', { from }),
      ]),
    );
    for (const answer of during) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 503 });
      expect(answer.headers['retry-after']).toMatch(/^\d+$/);
    }
    // Liveness is about the process, not its database: nobody should restart these.
    for (const server of servers) expect((await call(server.url, 'get', '/api/health/live', { from })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await postgres.startServer();
    const deadline = Date.now() + 30_000;
    for (const server of servers) {
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await call(server.url, 'get', '/api/me', { token, from })).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status, `${server.url} did not recover`).toBe(200);
      expect((await call(server.url, 'get', '/api/health/ready', { from })).status).toBe(200);
    }
    const recovered = Date.now();
    // Until the clients have sent again: one may still be waiting out a request sent while
    // PostgreSQL was down (up to 5 s), so a fixed pause here sometimes saw none.
    const sentAgain = Date.now() + 15_000;
    while (!seen.some((answer) => answer.started > recovered) && Date.now() < sentAgain) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    loading = false;
    await Promise.all(clients);
    // Served, then 503s, then served again: never another status, and never an answer left
    // hanging (a step the database leaves unanswered gives up after 5 s, postgres/connect.ts).
    const statuses = new Set(seen.map((answer) => answer.status));
    expect([...statuses].sort()).toEqual([200, 503]);
    expect(Math.max(...seen.map((answer) => answer.ms))).toBeLessThan(15_000);
    // No instance died on the way (the postgres driver's write race would end one: patches/).
    for (const server of servers) expect(server.child.exitCode).toBeNull();
    const after = seen.filter((answer) => answer.started > recovered);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((answer) => answer.status === 200)).toBe(true);
  }, 90_000);

  it('when one instance is SIGKILLed mid-burst, then every acknowledged registration logs in on the others, which keep serving', async () => {
    const from = '127.0.0.8';
    const [victim, ...survivors] = servers as [ServerProcess, ...ServerProcess[]];
    const acknowledged: string[] = [];
    const burst = Array.from({ length: 40 }, (_, i) => `survivor${i}`).map(async (name, i) => {
      try {
        const answer = await call(servers[i % servers.length]!.url, 'post', '/api/register', { body: { name, password: PASSWORD }, from });
        if (answer.status === 200) acknowledged.push(name);
      } catch {
        // cut off by the kill: not acknowledged, so no promise was made
      }
    });
    while (acknowledged.length < 12) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await victim.stop('SIGKILL')).toBeNull();
    servers = survivors;
    await Promise.all(burst);
    for (const [i, name] of acknowledged.entries()) {
      const login = await call(survivors[i % survivors.length]!.url, 'post', '/api/login', {
        body: { name, password: PASSWORD },
        from: '127.0.0.9',
      });
      expect(login.status, `${name} was acknowledged but cannot log in`).toBe(200);
    }
    for (const server of survivors) expect((await call(server.url, 'get', '/api/health/ready', { from })).status).toBe(200);
  }, 90_000);
});
