// The conformance suite, pointed at our server (it must pass) and at deliberately broken variants
// of it (the matching checks must fail, naming the broken behaviour).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SESSION_COOKIE } from '@azuma/contract/generated/contract-facts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLoginTimes } from '../conformance/checks/timing.js';
import { compileContract, type Report, runConformance } from '../conformance/index.js';
import { formatTally } from '../conformance/report.js';
import type { AppOptions } from '../server/app.js';
import { type Config, loadConfig } from '../server/config.js';
import { type NameIdentity, nameIdentity } from '../server/domains/accounts/name-identity.js';
import { OWASP_SCRYPT } from '../server/domains/accounts/passwords.js';
import { cookieToken, SESSION_HEADER_KEY } from './support/api.js';
import {
  type Breakage,
  errorResponse,
  type ProxiedRequest,
  type ProxiedResponse,
  resurrecting,
  startBrokenServer,
} from './support/breaking-proxy.js';
import { buildTestApp, type RunningServer, startServer } from './support/server.js';

/** Small fuzz counts keep the whole file quick on two shared cores; the CLI default is larger. */
const RUNS = 30;
const VARIANT_RUNS = 8;
const SHORT_TTL = 3600;
/**
 * Tokens live 10 s and sessions 20 s: every request falls inside the refresh window and rotates,
 * sessions.absolute-lifetime waits one session out quickly and tokens.expired two tokens. (The
 * environment will not set lifetimes under 60 s; the app itself takes them.) Only those checks
 * run against it, one run each: the others' accounts would end under them.
 */
const LIFETIME = { sessionTtlSeconds: 10, sessionMaxAgeSeconds: 20 } satisfies Partial<Config>;
const LIFETIME_CHECK = 'sessions.absolute-lifetime';
const EXPIRY_CHECK = 'tokens.expired';
/** A run that waits a session or its tokens out takes their lifetime on top of the rest. */
const LIFETIME_TIMEOUT_MS = 60_000;
/** Few attempts per minute, so the rate-limit check can spend them all. */
const RATE_LIMITED = { authRateLimit: 5 } satisfies Partial<Config>;
const RATE_CHECK = 'ratelimit.headers';
/** Failed sign-ins per name counted as an operator gets them by default (the test apps turn them off). */
const { loginFailuresPerClient, loginFailuresPerAccount, loginFailureWindowSeconds } = loadConfig({});
const LOCKING = { loginFailuresPerClient, loginFailuresPerAccount, loginFailureWindowSeconds } satisfies Partial<Config>;
const LOCK_CHECK = 'accounts.lockout';
/** The checks of the RFC 8265 name rules and look-alikes. */
const NAME_CHECKS = [
  'accounts.fullwidth-variant',
  'accounts.decomposed-name',
  'accounts.combining-marks',
  'accounts.confusable-name',
  'accounts.invisible-name',
];
const { session: SESSION_NAMES, limits: LIMITS } = compileContract().index;

const failures = (report: Report) =>
  Object.fromEntries(report.results.filter((r) => r.outcome === 'fail').map((r) => [r.id, r.reason ?? '']));

describe('conformance suite against our server', () => {
  it(
    'when our sessions live under 7 days, then every check passes and rotation is really checked; with short lifetimes a session is seen to end and tokens to expire',
    async () => {
      // Names lock as by default: the whole suite must pass with that on, and the lock check runs.
      const server = await startServer({ sessionTtlSeconds: SHORT_TTL, ...LOCKING });
      const ending = await startServer(LIFETIME);
      const rateLimited = await startServer(RATE_LIMITED);
      try {
        // The waiting runs wait side by side with the full one (and with each other).
        const [report, ...waited] = await Promise.all([
          runConformance({ baseUrl: server.url, runs: RUNS }),
          ...[LIFETIME_CHECK, EXPIRY_CHECK].map((id) => runConformance({ baseUrl: ending.url, runs: RUNS, only: [id] })),
        ]);
        expect(failures(report)).toEqual({});
        const skipped = report.results.filter((r) => r.outcome === 'skip');
        expect(skipped.map((r) => r.id)).toEqual(['refresh.outside-window', LIFETIME_CHECK, EXPIRY_CHECK, RATE_CHECK]);
        // 3601 when the answer's Date (whole seconds) was rounded down from the moment the token was issued.
        expect(skipped.find((r) => r.id === EXPIRY_CHECK)?.reason).toMatch(/tokens live 360[01] s .*AZUMA_SESSION_TTL=60/);
        expect(skipped.find((r) => r.id === RATE_CHECK)?.reason).toMatch(/without X-RateLimit-Limit.*AZUMA_AUTH_RATE_LIMIT=5/);
        expect(report.passed).toBeGreaterThan(40);
        expect(formatTally(report)).toBe(`${report.passed} passed, 0 failed, 4 skipped`);

        const limited = await runConformance({ baseUrl: rateLimited.url, runs: RUNS, only: [RATE_CHECK] });
        expect(Object.fromEntries(limited.results.map((r) => [r.id, r.outcome]))).toEqual({
          'server.reachable': 'pass',
          [RATE_CHECK]: 'pass',
        });

        expect(waited.map((run) => Object.fromEntries(run.results.map((r) => [r.id, r.outcome])))).toEqual([
          { 'server.reachable': 'pass', [LIFETIME_CHECK]: 'pass' },
          { 'server.reachable': 'pass', [EXPIRY_CHECK]: 'pass' },
        ]);
      } finally {
        await server.close();
        await ending.close();
        await rateLimited.close();
      }
    },
    LIFETIME_TIMEOUT_MS,
  );

  it('when our sessions live 30 days, then no successor is sent and the rotation and expiry checks skip saying how to run them', async () => {
    const server = await startServer();
    try {
      const report = await runConformance({ baseUrl: server.url, runs: RUNS, only: ['refresh', 'tokens'] });
      const outcomes = Object.fromEntries(report.results.map((r) => [r.id, r.outcome]));
      expect(outcomes).toMatchObject({
        'server.reachable': 'pass',
        'refresh.outside-window': 'pass',
        'refresh.same-successor': 'skip',
        'tokens.expiration': 'pass',
        [EXPIRY_CHECK]: 'skip',
      });
      expect(report.failed).toBe(0);
      expect(report.results.find((r) => r.id === 'refresh.cookie-channel')?.reason).toMatch(/sessions live 30\.00 days.*AZUMA_SESSION_TTL/);
      expect(report.results.find((r) => r.id === EXPIRY_CHECK)?.reason).toMatch(
        /tokens live 30\.00 days .*at most 120 s \(reference server: AZUMA_SESSION_TTL=60\)/,
      );
    } finally {
      await server.close();
    }
  });
});

/** The JSON body of a request, or undefined when it is not JSON. */
function jsonOf(req: ProxiedRequest): Record<string, unknown> | undefined {
  try {
    return JSON.parse(req.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The names registered through a proxy, compared as the contract compares them (NFC, any letter case; ASCII tests only need this much). */
function registeredNames() {
  const names = new Set<string>();
  const key = (req: ProxiedRequest) => String(jsonOf(req)?.name).normalize('NFC').toLowerCase();
  return {
    has: (req: ProxiedRequest) => names.has(key(req)),
    learn(req: ProxiedRequest, res: ProxiedResponse) {
      if (req.path === '/api/register' && res.status === 200) names.add(key(req));
    },
  };
}

/** How deep the arrays and objects of a JSON text nest, strings aside. */
function nestingDepth(text: string): number {
  let [depth, deepest, inString] = [0, 0, false];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Moves the `expiration` of every answer that carries a session (register, login, password change) by `ms`. */
const shiftedExpiration = (ms: number): Breakage => ({
  response(_req, res) {
    const body = isJson(res.headers) ? (JSON.parse(res.body) as Record<string, unknown>) : {};
    if (typeof body.token !== 'string' || typeof body.expiration !== 'string') return res;
    return { ...res, body: JSON.stringify({ ...body, expiration: new Date(Date.parse(body.expiration) + ms).toISOString() }) };
  },
});

const isJson = (headers: Record<string, unknown>) => /application\/json/.test(String(headers['content-type'] ?? ''));
const randomToken = () =>
  randomBytes(48)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(64, 'x')
    .slice(0, 64);

interface Variant {
  breaks: string;
  /** The configuration of the server behind the proxy, when the shared one (SHORT_TTL) does not show the fault. */
  upstream?: Partial<Config>;
  /** Its options, likewise (the shared one hashes at test cost). */
  upstreamOptions?: AppOptions;
  /** The checks to run, when the whole suite would take long against that server: they are slow ones. */
  only?: string[];
  breakage(): Breakage;
  /** Check id → what its reason must say. */
  fails: Record<string, RegExp>;
}

const variants: Variant[] = [
  {
    breaks: 'answers 404 instead of 401 for an unknown login name',
    breakage() {
      const registered = registeredNames();
      return {
        response(req, res) {
          registered.learn(req, res);
          if (req.path === '/api/login' && res.status === 401 && !registered.has(req)) {
            return errorResponse(404, 'NOT_FOUND', 'no such user');
          }
          return res;
        },
      };
    },
    fails: {
      'accounts.unknown-name': /an unknown name\) answered 404 .*expected 401/,
      'contract.loginUser': /status 404 is not documented for loginUser/,
    },
  },
  {
    breaks: 'answers 500 to invalid JSON',
    breakage: () => ({
      response(req, res) {
        const malformed = req.body !== '' && isJson(req.headers) && jsonOf(req) === undefined;
        return malformed ? errorResponse(500, 'INTERNAL_SERVER_ERROR') : res;
      },
    }),
    fails: {
      'validation.registerUser.malformed-json': /malformed JSON\) answered 500 .*expected 400/,
      'validation.loginUser.malformed-json': /malformed JSON\) answered 500/,
      'errors.no-5xx': /malformed JSON\) answered 500/,
    },
  },
  {
    // As a server whose body checks recurse: past some depth its stack overflows.
    breaks: 'answers 500 to bodies nested over 1000 deep, on every operation',
    breakage: () => ({
      answer: (req) => (nestingDepth(req.body) > 1000 ? errorResponse(500, 'INTERNAL_SERVER_ERROR') : undefined),
    }),
    fails: {
      'fuzz.registerUser.nesting': /a deep body of \d+ .*answered 500/,
      'fuzz.logoutUser.nesting': /a deep body of \d+ .*answered 500/,
      'fuzz.endSession.nesting': /a deep body of \d+ .*answered 500/,
      'errors.no-5xx': /a deep body .*answered 500/,
    },
  },
  {
    breaks: 'mints a new successor on every call',
    breakage: () => ({
      response(req, res) {
        if (!req.path.startsWith('/api/me')) return res;
        const headers = { ...res.headers };
        if (headers[SESSION_HEADER_KEY]) headers[SESSION_HEADER_KEY] = randomToken();
        const cookies = headers['set-cookie'];
        if (cookies) {
          headers['set-cookie'] = (Array.isArray(cookies) ? cookies : [cookies]).map((line) =>
            line.replace(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9]+`), `${SESSION_COOKIE}=${randomToken()}`),
          );
        }
        return { ...res, headers };
      },
    }),
    fails: { 'refresh.same-successor': /different successor .*at most one successor/ },
  },
  {
    breaks: 'drops the $oid wrapper from ids',
    breakage: () => {
      const unwrap = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(unwrap);
        if (typeof value !== 'object' || value === null) return value;
        const record = value as Record<string, unknown>;
        if (Object.keys(record).length === 1 && typeof record.$oid === 'string') return record.$oid;
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v)]));
      };
      return {
        response(_req, res) {
          if (!isJson(res.headers)) return res;
          return { ...res, body: JSON.stringify(unwrap(JSON.parse(res.body))) };
        },
      };
    },
    fails: {
      'accounts.round-trip': /body\/userid must be object/,
      'contract.registerUser': /body\/userid must be object/,
      'contract.getMe': /body\/_id must be object/,
    },
  },
  {
    breaks: 'lets the header win over the cookie',
    breakage: () => ({
      request(req) {
        if (!req.headers.cookie || !req.headers[SESSION_HEADER_KEY]) return req;
        const { cookie: _dropped, ...headers } = req.headers;
        return { ...req, headers };
      },
    }),
    fails: { 'auth.cookie-wins': /the header won over the cookie/ },
  },
  {
    breaks: 'sends the successor of a cookie session in the Azuma-Session header',
    breakage: () => ({
      response(req, res) {
        const cookies = res.headers['set-cookie'];
        if (!req.path.startsWith('/api/me') || !cookies) return res;
        const line = (Array.isArray(cookies) ? cookies : [cookies])[0] ?? '';
        const { 'set-cookie': _dropped, ...headers } = res.headers;
        return { ...res, headers: { ...headers, [SESSION_HEADER_KEY]: cookieToken(line) ?? '' } };
      },
    }),
    fails: { 'refresh.cookie-channel': /successor came in the Azuma-Session header, but the cookie authenticated the request/ },
  },
  {
    breaks: 'answers 401 as plain text',
    breakage: () => ({
      response: (_req, res) =>
        res.status === 401 ? { status: 401, headers: { 'content-type': 'text/plain' }, body: 'Unauthorized' } : res,
    }),
    fails: {
      'auth.no-credential': /content-type is 'text\/plain', expected application\/json; body is not JSON/,
      'auth.bad-header': /body is not JSON/,
    },
  },
  {
    breaks: 'ignores logout (answers 204 without ending the session)',
    breakage: () => ({
      answer: (req) =>
        // The fault is ignoring logout: otherwise the answer is what the contract documents.
        req.method === 'POST' && req.path === '/api/logout'
          ? { status: 204, headers: { 'cache-control': 'no-store' }, body: '' }
          : undefined,
    }),
    fails: {
      'sessions.logout': /the token .* still works by header \(GET \/api\/me answered 200\) after POST \/api\/logout with it/,
      'sessions.logout-ends-chain': /still works by header .*logout ends every token of the session/,
    },
  },
  {
    breaks: 'keeps the rest of a session alive after logging out with one of its tokens',
    breakage: () => resurrecting(SESSION_NAMES, (session, token) => session.loggedOutWith !== undefined && token !== session.loggedOutWith),
    fails: { 'sessions.logout-ends-chain': /its successor .* still works by header .* after logging out with its predecessor/ },
  },
  {
    breaks: 'keeps sessions alive past their absolute lifetime',
    upstream: LIFETIME,
    only: [LIFETIME_CHECK],
    breakage: () => resurrecting(SESSION_NAMES, (session) => Date.now() >= session.startedAt + LIFETIME.sessionMaxAgeSeconds * 1000),
    fails: { 'sessions.absolute-lifetime': /still accepted the session's latest token .* \d+ s after its absolute end/ },
  },
  {
    breaks: 'keeps accepting expired tokens',
    upstream: LIFETIME,
    only: [EXPIRY_CHECK],
    // In that check only expiry ends tokens: every 401 the server gives a token once its session's
    // first token has expired is an expired token's, which the proxy answers with a fresh session.
    breakage: () => resurrecting(SESSION_NAMES, (session) => Date.now() >= session.startedAt + LIFETIME.sessionTtlSeconds * 1000),
    fails: {
      [EXPIRY_CHECK]: /the first token .* still works by header \(GET \/api\/me answered 200 with Date .*\), \d+ s after its expiration/,
    },
  },
  {
    breaks: 'announces an expiration years in the past',
    breakage: () => shiftedExpiration(-5 * YEAR_MS),
    fails: {
      'tokens.expiration': /answered expiration \S+, 18\d\d\.\d\d days before its own Date .*born expired/,
      // Not a skip saying sessions live a negative time.
      'refresh.cookie-channel': /days before its own Date .*the lifetime this server announces cannot be read/,
    },
  },
  {
    breaks: "announces an expiration far beyond its cookie's Max-Age",
    breakage: () => shiftedExpiration(10 * YEAR_MS),
    fails: {
      'tokens.expiration': /answered expiration \S+, 36\d\d\.\d\d days after its Date .* plus its cookie's Max-Age=3600 .*must agree/,
    },
  },
  {
    breaks: 'answers at once for names that have no account, skipping the password hash',
    // At test cost a hash takes a few milliseconds: too little to tell from noise, by design.
    upstreamOptions: { scrypt: OWASP_SCRYPT },
    only: ['accounts.timing'],
    breakage() {
      const registered = registeredNames();
      return {
        answer: (req) => (req.path === '/api/login' && !registered.has(req) ? errorResponse(401, 'UNAUTHORIZED') : undefined),
        response(req, res) {
          registered.learn(req, res);
          return res;
        },
      };
    },
    fails: { 'accounts.timing': /the wrong password was slower in \d+ of 20 pairs \(sign test p = .*\), by a median \d+\.\d ms/ },
  },
  {
    breaks: 'lets caches keep its answers (no Cache-Control)',
    breakage: () => ({
      response(_req, res) {
        const headers = { ...res.headers };
        delete headers['cache-control'];
        return { ...res, headers };
      },
    }),
    fails: {
      'tokens.no-store': /carried a token with Cache-Control null/,
      'contract.registerUser': /required header Cache-Control is missing/,
    },
  },
  {
    breaks: 'reads request headers of any size',
    breakage: () => ({
      request(req) {
        const size = Object.entries(req.headers).reduce((sum, [name, value]) => sum + name.length + String(value).length, 0);
        if (size <= LIMITS.requestHeaderLimitBytes) return req;
        const { 'x-padding': _dropped, ...headers } = req.headers;
        return { ...req, headers };
      },
    }),
    fails: { 'validation.header-too-large': /a \d+-byte header\) answered 401 .*expected 400/ },
  },
  {
    breaks: 'keeps every token and every session alive (no bound on either)',
    only: ['sessions.bounded', 'refresh.two-newest'],
    breakage: () => resurrecting(SESSION_NAMES, () => true),
    fails: {
      'sessions.bounded': /session 1 of 26, with 20 listed live\) answered 200: .*must have ended the oldest/,
      'refresh.two-newest': /answered 200: after .* the first token must be refused, since a session keeps only its two newest tokens/,
    },
  },
  {
    breaks: 'forgets the User-Agent a session began with',
    only: ['sessions.list'],
    breakage: () => ({
      request(req) {
        if (req.path !== '/api/login') return req;
        const { 'user-agent': _dropped, ...headers } = req.headers;
        return { ...req, headers };
      },
    }),
    fails: { 'sessions.list': /began with User-Agent "azuma-conformance \(sessions\.list [0-9a-f]+\)" is listed with userAgent null/ },
  },
  {
    breaks: 'keeps the name rules of contract 1.1 (NFC and letter case only, no combining marks)',
    only: NAME_CHECKS,
    breakage() {
      // What the 1.1 server took for one name, and which of those it had registered.
      const oldKey = (name: unknown) => String(name).normalize('NFC').toUpperCase().toLowerCase();
      const registered = new Set<string>();
      const isRegister = (req: ProxiedRequest) => req.path === '/api/register';
      return {
        async response(req, res, forward) {
          if (!isRegister(req)) return res;
          const body = jsonOf(req);
          // The 1.1 pattern had no combining marks.
          if (/\p{M}/u.test(String(body?.name))) return errorResponse(400, 'BAD_REQUEST', 'body/name must match pattern');
          const key = oldKey(body?.name);
          // A spelling or look-alike the 1.1 rules call a new name: registered under a fresh one instead.
          const fresh = (res.status === 409 || res.status === 400) && !registered.has(key);
          const answered = fresh
            ? await forward({ ...req, body: JSON.stringify({ ...body, name: `old-${randomBytes(6).toString('hex')}` }) })
            : res;
          if (answered.status === 200) registered.add(key);
          return answered;
        },
      };
    },
    fails: {
      'accounts.fullwidth-variant': /register "Ｃｆｍａｉｎ-.*answered 200.*expected 409/,
      'accounts.confusable-name': /Cyrillic look-alike.*answered 200.*expected 409/,
      'accounts.decomposed-name': /decomposed \(NFD\)\) answered 400.*expected 409/,
      'accounts.combining-marks': /register a fresh account "अनिल-[0-9a-f]+"\) answered 400/,
      'accounts.invisible-name': /U\+3164 HANGUL FILLER after it\) answered 200.*expected 400/,
    },
  },
  {
    breaks: 'announces a rate limit but never enforces it',
    upstream: RATE_LIMITED,
    only: [RATE_CHECK],
    breakage: () => ({
      response: (_req, res) => (res.status === 429 ? { ...errorResponse(401, 'UNAUTHORIZED'), headers: { ...res.headers } } : res),
    }),
    fails: { [RATE_CHECK]: /attempt 6 with a wrong password\) answered 401 after X-RateLimit-Remaining reached 0, expected 429/ },
  },
  {
    breaks: 'sends `Set-Cookie: string` in place of the session cookie, as a static mock does',
    breakage: () => ({
      response: (_req, res) => (res.headers['set-cookie'] ? { ...res, headers: { ...res.headers, 'set-cookie': 'string' } } : res),
    }),
    fails: {
      'contract.registerUser': new RegExp(`no Set-Cookie sets ${SESSION_COOKIE} \\(came: "string"\\)`),
      'accounts.session-cookie': new RegExp(`set the ${SESSION_COOKIE} cookie 0 times, expected once \\(Set-Cookie came: "string"\\)`),
    },
  },
  {
    breaks: 'locks only names an account has (a name nobody has never answers 429)',
    upstream: { sessionTtlSeconds: SHORT_TTL, ...LOCKING },
    only: [LOCK_CHECK],
    breakage() {
      const registered = new Set<string>();
      const key = (name: unknown) => String(name).normalize('NFC').toLowerCase();
      return {
        response(req, res) {
          const body = jsonOf(req);
          if (req.path === '/api/register' && res.status === 200) registered.add(key(body?.name));
          if (req.path === '/api/login' && res.status === 429 && !registered.has(key(body?.name))) {
            return errorResponse(401, 'UNAUTHORIZED', 'wrong name or password');
          }
          return res;
        },
      };
    },
    fails: {
      [LOCK_CHECK]: new RegExp(
        `failed sign-in ${loginFailuresPerClient + 1} on "CfNobody-[0-9a-f]+", a name nobody has\\) answered 401, but "CfLock-[0-9a-f]+", which an account has, was locked after ${loginFailuresPerClient} failures: the difference tells which names exist`,
      ),
    },
  },
  // Issue 23: name rules a server could break and still pass before (items 4, 5 and 11).
  {
    breaks: 'judges look-alikes by the skeleton of the lower-cased name only (contract 1.3.0)',
    only: ['accounts.case-confusable-name'],
    breakage() {
      // What a 1.3.0 server knew of each name registered through it: its key and the key's skeleton.
      const registered: NameIdentity[] = [];
      return {
        async response(req, res, forward) {
          if (req.path !== '/api/register') return res;
          const body = jsonOf(req);
          const identity = nameIdentity(String(body?.name));
          const taken = registered.some(({ key, skeleton }) => key === identity.key || skeleton === identity.skeleton);
          // Taken only as written: the 1.3.0 rule lets it register, here under a fresh name.
          const answered =
            res.status === 409 && !taken
              ? await forward({ ...req, body: JSON.stringify({ ...body, name: `old-${randomBytes(6).toString('hex')}` }) })
              : res;
          if (answered.status === 200) registered.push(identity);
          return answered;
        },
      };
    },
    fails: {
      'accounts.case-confusable-name':
        /register "cIara-[0-9a-f]+" \(a capital I for l\) after "clara-[0-9a-f]+"\) answered 200.*expected 409/,
    },
  },
  {
    breaks: 'lets names register that break the Bidi Rule or hold compatibility characters',
    only: ['accounts.bidi-name', 'accounts.compatibility-name'],
    breakage: () => ({
      async response(req, res, forward) {
        if (req.path !== '/api/register' || res.status !== 400 || !/Bidi Rule|compatibility character/.test(res.body)) return res;
        return forward({ ...req, body: JSON.stringify({ ...jsonOf(req), name: `bidi-${randomBytes(6).toString('hex')}` }) });
      },
    }),
    fails: {
      'accounts.bidi-name': /left-to-right letters, then right-to-left ones\)\) answered 200.*expected 400/,
      'accounts.compatibility-name': /U\+210C BLACK-LETTER CAPITAL H\)\) answered 200.*expected 400/,
    },
  },
  {
    breaks: 'answers 500 to a login name holding U+0000, as PostgreSQL text refuses it',
    only: ['accounts.nul-login-name'],
    breakage: () => ({
      response: (req, res) =>
        req.path === '/api/login' && String(jsonOf(req)?.name).includes('\u0000') ? errorResponse(500, 'INTERNAL_SERVER_ERROR') : res,
    }),
    fails: { 'accounts.nul-login-name': /with U\+0000 after it\) answered 500.*expected 401/ },
  },
  // Issue 23, sessions and rate limits (one block, so parallel edits of this list stay apart).
  {
    breaks: 'leaves the cookie set when a session ends itself by id',
    only: ['sessions.end-own'],
    breakage: () => ({
      response(req, res) {
        if (req.method !== 'DELETE' || !req.path.startsWith('/api/me/sessions/')) return res;
        const { 'set-cookie': _cleared, ...headers } = res.headers;
        return { ...res, headers };
      },
    }),
    fails: { 'sessions.end-own': new RegExp(`by cookie\\) set ${SESSION_COOKIE} 0 times; a logout by cookie must clear it once`) },
  },
  {
    breaks: 'answers a password change that lost a race 401 "wrong current password"',
    only: ['sessions.password-race'],
    breakage: () => ({
      response: (req, res) =>
        req.path === '/api/me/password' && res.status === 409 ? errorResponse(401, 'UNAUTHORIZED', 'wrong current password') : res,
    }),
    fails: { 'sessions.password-race': /sent at once\) answered .*wrong current password.*lost a race to another change/ },
  },
  {
    breaks: 'announces its rate limit on login only, not on register and password change',
    upstream: RATE_LIMITED,
    only: [RATE_CHECK],
    breakage: () => ({
      response(req, res) {
        if (req.path !== '/api/register' && req.path !== '/api/me/password') return res;
        const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !/^x-ratelimit-/i.test(name)));
        return { ...res, headers };
      },
    }),
    fails: { [RATE_CHECK]: /register "CfRateReg-[0-9a-f]+"\) answered 200 with X-RateLimit-Limit null, expected a whole number/ },
  },
  {
    breaks: 'never locks a name after wrong current passwords on password change',
    upstream: { sessionTtlSeconds: SHORT_TTL, ...LOCKING },
    only: ['sessions.password-lockout'],
    breakage: () => ({
      response: (req, res) =>
        req.path === '/api/me/password' && res.status === 429 ? errorResponse(401, 'UNAUTHORIZED', 'wrong current password') : res,
    }),
    fails: {
      'sessions.password-lockout':
        /wrong current passwords on PUT \/api\/me\/password all answered 401, yet POST \/api\/login \(log in to "CfPwLock-[0-9a-f]+" with a wrong password\) answered 429/,
    },
  },
  // Issue 23, items 8 and 11: every answer documented, oversized headers and stray bodies
  // included, and the icon rule beyond its pattern.
  ...((): Variant[] => {
    const oversizedHeaders = (req: ProxiedRequest) =>
      Object.entries(req.headers).reduce((sum, [name, value]) => sum + name.length + String(value).length, 0) >
      LIMITS.requestHeaderLimitBytes;
    const isStray = (req: ProxiedRequest) => req.method === 'POST' && req.path === '/api/logout' && req.body !== '';
    return [
      {
        breaks: 'answers 500 to oversized headers on every route but login',
        only: ['validation.header-too-large', 'errors.no-5xx'],
        breakage: () => ({
          answer: (req) => (oversizedHeaders(req) && req.path !== '/api/login' ? errorResponse(500, 'INTERNAL_SERVER_ERROR') : undefined),
        }),
        fails: {
          'validation.header-too-large': /GET \/api\/ \(a \d+-byte header\) answered 500 .*expected 400/,
          'errors.no-5xx': /a \d+-byte header\) answered 500/,
        },
      },
      {
        breaks: "answers oversized headers with Node's 431, which no operation documents",
        only: ['validation.header-too-large', 'contract.'],
        breakage: () => ({
          answer: (req) => (oversizedHeaders(req) ? { status: 431, headers: {}, body: '' } : undefined),
        }),
        fails: {
          'validation.header-too-large': /GET \/api\/health\/live \(a \d+-byte header\) answered 431, expected 400/,
          'contract.getLiveness': /answered 431: status 431 is not documented for getLiveness/,
          'contract.logoutUser': /answered 431: status 431 is not documented for logoutUser/,
        },
      },
      {
        breaks: 'answers 422, which logout does not document, to a body sent to it',
        only: ['validation.logoutUser.stray-body', 'contract.logoutUser'],
        breakage: () => ({
          answer: (req) => (isStray(req) ? errorResponse(422, 'BAD_REQUEST', 'logout takes no body') : undefined),
        }),
        fails: {
          'validation.logoutUser.stray-body': /a stray JSON body\) answered 422: status 422 is not documented for logoutUser/,
          'contract.logoutUser': /status 422 is not documented for logoutUser/,
        },
      },
      {
        breaks: 'answers a stray text/plain body on logout with a bare 415, not the error shape',
        only: ['validation.logoutUser.stray-body'],
        breakage: () => ({
          response: (req, res) =>
            isStray(req) && res.status === 415 ? { status: 415, headers: { 'content-type': 'text/plain' }, body: 'Unsupported' } : res,
        }),
        fails: {
          'validation.logoutUser.stray-body':
            /a stray text\/plain body\) answered 415: content-type is 'text\/plain', expected application\/json/,
        },
      },
      {
        breaks: 'takes an icon with credentials or without a host, as its pattern alone allows',
        only: ['validation.updateMe.icon-url'],
        breakage: () => ({
          async response(req, res, forward) {
            if (req.method !== 'PATCH' || req.path !== '/api/me' || res.status !== 400) return res;
            const icon = jsonOf(req)?.icon;
            if (typeof icon !== 'string' || !/^https:\/\/\S+$/.test(icon)) return res;
            // Store a stand-in the server takes, then show the icon sent as if it were kept.
            const stored = await forward({ ...req, body: JSON.stringify({ icon: null }) });
            if (stored.status !== 200) return stored;
            return { ...stored, body: JSON.stringify({ ...(JSON.parse(stored.body) as object), icon }) };
          },
        }),
        fails: {
          'validation.updateMe.icon-url':
            /icon "https:\/\/\/icons\/a\.png", no host\) answered 200 .*expected 400 .*icon "https:\/\/user:secret@example\.org\/icons\/a\.png", credentials\) answered 200/,
        },
      },
    ];
  })(),
];

describe('conformance suite against deliberately broken servers', () => {
  let upstream: RunningServer;
  beforeAll(async () => {
    upstream = await startServer({ sessionTtlSeconds: SHORT_TTL });
  });
  afterAll(async () => {
    await upstream.close();
  });

  for (const variant of variants) {
    it(
      `when the server ${variant.breaks}, then ${Object.keys(variant.fails).join(', ')} fail saying so`,
      async () => {
        const own =
          (variant.upstream || variant.upstreamOptions) &&
          (await startServer(variant.upstream ?? { sessionTtlSeconds: SHORT_TTL }, variant.upstreamOptions));
        const broken = await startBrokenServer((own || upstream).url, variant.breakage());
        try {
          const { only } = variant;
          const report = await runConformance({ baseUrl: broken.url, runs: VARIANT_RUNS, ...(only ? { only } : {}) });
          const failed = failures(report);
          for (const [id, reason] of Object.entries(variant.fails)) {
            expect(failed[id], `${id} should fail`).toMatch(reason);
          }
          expect(formatTally(report)).toMatch(/^\d+ passed, [1-9]\d* failed/);
        } finally {
          await broken.close();
          await own?.close();
        }
      },
      variant.only ? LIFETIME_TIMEOUT_MS : undefined,
    );
  }
});

// Not through the proxy: upstream, a proxy would itself be the one address every connection came
// from. The servers run with a small global cap instead, so the suite's slow connections are few.
describe('connections.per-address against servers with and without a per-address cap', () => {
  const CHECK = 'connections.per-address';
  /** Connections the test servers take in all; the suite opens three times as many from one address. */
  const TOTAL = 16;
  const run = (server: RunningServer) =>
    runConformance({ baseUrl: server.url, runs: VARIANT_RUNS, only: [CHECK], slowConnections: 3 * TOTAL });

  it('when one address may hold only a share of the connections, then another address is answered every time and the check passes', async () => {
    const server = await startServer({ maxConnections: TOTAL, maxConnectionsPerIp: TOTAL / 4 });
    try {
      const report = await run(server);
      expect(Object.fromEntries(report.results.map((r) => [r.id, r.outcome]))).toEqual({ 'server.reachable': 'pass', [CHECK]: 'pass' });
    } finally {
      await server.close();
    }
  });

  it('when one address may hold every connection the server takes, then the check fails saying the other address got no answer', async () => {
    const server = await startServer({ maxConnections: TOTAL, maxConnectionsPerIp: TOTAL });
    try {
      const report = await run(server);
      expect(failures(report)[CHECK]).toMatch(
        /^while 127\.0\.0\.3 held \d+ slow connections, all the server would take from it, GET \/api\/ from 127\.0\.0\.2 went unanswered \(no 200\) in 8 of 8 tries: no answer/,
      );
    } finally {
      await server.close();
    }
  });

  it('when the server is at ::1, then the check skips: IPv6 loopback has no second address', async () => {
    const app = await buildTestApp();
    const url = await app.listen({ host: '::1', port: 0 });
    try {
      const report = await runConformance({ baseUrl: url, runs: VARIANT_RUNS, only: [CHECK] });
      expect(report.results.find((r) => r.id === CHECK)).toMatchObject({
        outcome: 'skip',
        reason: expect.stringMatching(/only IPv6 loopback address.*against 127\.0\.0\.1/),
      });
    } finally {
      await app.close();
    }
  });
});

describe('how accounts.timing judges the times it measured', () => {
  /** 20 pairs: in `slower` of them the wrong password took `gapMs` longer, in the rest the unknown name did. */
  const pairs = (slower: number, gapMs: number) =>
    Array.from({ length: 20 }, (_, i) =>
      i < slower ? { wrongPasswordMs: 100 + gapMs, unknownNameMs: 100 } : { wrongPasswordMs: 100, unknownNameMs: 100 + gapMs },
    );
  const differs = (slower: number, gapMs: number) => compareLoginTimes(pairs(slower, gapMs)).differs;

  it('when one kind is slower in at least 18 of 20 pairs by a median of 10 ms or more, then the server fails, whichever kind it is', () => {
    expect([differs(20, 200), differs(18, 10), differs(2, 10), differs(0, 200)]).toEqual([true, true, true, true]);
  });

  it('when the split is 17 to 3 or closer, or the median gap is under 10 ms, then it passes', () => {
    expect([differs(17, 200), differs(10, 500), differs(3, 200), differs(20, 9.9)]).toEqual([false, false, false, false]);
  });
});

describe('the azuma-conformance command', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'azuma-conformance-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI's source as `npm run conformance` does; test/products.test.ts runs the installed bin. */
  const cli = (args: string[]) =>
    new Promise<{ code: number; lines: string[] }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'conformance/cli.ts', ...args], { cwd: root }, (error, stdout) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, lines: stdout.trimEnd().split('\n') });
      });
    });

  // A whole run in a child process: past the default timeout on a busy machine, so it gets its own.
  it('when run against our server, then it exits 0, ends with the tally and writes JSON and JUnit reports', {
    timeout: 120_000,
  }, async () => {
    const server = await startServer({ sessionTtlSeconds: SHORT_TTL, ...LOCKING });
    try {
      const { code, lines } = await cli([
        '--base-url',
        server.url,
        '--runs',
        '4',
        '--seed',
        '7',
        '--json',
        join(dir, 'report.json'),
        '--junit',
        join(dir, 'report.xml'),
      ]);
      expect(lines[0]).toContain('seed 7');
      // Tokens live an hour and sessions 90 days here, too long to wait out, and the rate limit is off: four checks skip.
      expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed, 4 skipped$/);
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
      expect(report).toMatchObject({ seed: 7, runs: 4, failed: 0 });
      expect(report.results.filter((r) => r.outcome === 'skip').map((r) => r.id)).toEqual([
        'refresh.outside-window',
        'sessions.absolute-lifetime',
        EXPIRY_CHECK,
        RATE_CHECK,
      ]);
      const junit = readFileSync(join(dir, 'report.xml'), 'utf8');
      expect(junit).toContain(`<testsuites name="azuma-conformance" tests="${report.results.length}" failures="0" skipped="4"`);
    } finally {
      await server.close();
    }
  });

  it('when a check fails, then it prints FAIL with the reason and exits 1', async () => {
    const server = await startServer();
    const broken = await startBrokenServer(server.url, variants[0]!.breakage());
    try {
      const { code, lines } = await cli(['--base-url', broken.url, '--only', 'accounts.unknown-name']);
      expect(lines).toContainEqual(expect.stringMatching(/^FAIL accounts\.unknown-name \[ACCOUNT-5\]: .* answered 404/));
      expect(lines.at(-1)).toBe('1 passed, 1 failed');
      expect(code).toBe(1);
    } finally {
      await broken.close();
      await server.close();
    }
  });

  it('when --base-url is missing, then it prints the usage and exits 2', async () => {
    const { code } = await cli([]);
    expect(code).toBe(2);
  });
});
