// What every check gets: the contract, the HTTP client, the fuzz settings and the accounts the run
// made (created lazily, each once, with random names so runs never collide).
import { randomBytes } from 'node:crypto';
import type { components } from '@azuma/contract/generated/openapi';
import { DEFAULT_SLOW_CONNECTIONS } from './checks/connections.js';
import type { Contract } from './contract.js';
import { brief, CheckFailed, type Credentials, cookieValue, type Exchange, type Http, isRecord } from './http.js';

export type Session = components['schemas']['Session'];
export type User = components['schemas']['User'];
export type ErrorBody = components['schemas']['Error'];
export type SessionInfo = components['schemas']['SessionInfo'];
export type SessionList = components['schemas']['SessionList'];

export interface Account {
  name: string;
  password: string;
  /** The session register answered. */
  session: Session;
  /** Server time when the session was issued (its `Date` header, else ours), in ms. */
  issuedAt: number;
  /** The register exchange itself, for checks on its headers. */
  registered: Exchange;
}

export interface Context {
  contract: Contract;
  http: Http;
  seed: number;
  runs: number;
  /** How many slow connections connections.per-address opens at most from one address. */
  slowConnections: number;
  /** A fresh account per label, registered on first use; `prefix` starts its random name. */
  account(label: string, prefix?: string): Promise<Account>;
  /** Every account the run registered, for the after-fuzzing login check. */
  accounts(): Promise<Account[]>;
  /** A new session for an account, by logging in. */
  login(account: Account, label: string): Promise<Session>;
}

const RATE_LIMIT_HINT =
  ' (the server rate-limited the suite: run it with its auth rate limit off or high, e.g. AZUMA_AUTH_RATE_LIMIT=0 for the reference server)';

/**
 * The session a register or login answered, judged leniently: status 200 and a token are enough
 * for the checks that only need an account, so one broken field fails the checks about that field
 * (and the end-of-run contract checks) instead of every check that happens to need a user.
 */
export function expectSession(ex: Exchange): Session {
  expectStatus(ex, 200);
  if (!isRecord(ex.json) || typeof ex.json.token !== 'string')
    throw new CheckFailed(`${ex.label} answered 200 without a session token: ${brief(ex)}`);
  return ex.json as Session;
}

/** Fails unless the response has one of the statuses. */
export function expectStatus(ex: Exchange, ...statuses: number[]): void {
  if (statuses.includes(ex.status)) return;
  const expected = statuses.length === 1 ? String(statuses[0]) : `one of ${statuses.join(', ')}`;
  throw new CheckFailed(`${ex.label} answered ${brief(ex)}, expected ${expected}${ex.status === 429 ? RATE_LIMIT_HINT : ''}`);
}

/** Fails when the response breaks the contract anywhere (status, body, headers, error shape). */
export function expectConforms(ex: Exchange): void {
  if (ex.violations.length > 0) throw new CheckFailed(`${ex.label} answered ${ex.status}: ${ex.violations.join('; ')}`);
}

/** Fails unless the response is `status` with a conforming body, and returns that body. */
export function expectOk<T>(ex: Exchange, status = 200): T {
  expectStatus(ex, status);
  expectConforms(ex);
  return ex.json as T;
}

/** A status with the constant the contract pins for it, for titles: the status, a space, the constant. */
export function statusName(contract: Contract, status: number): string {
  return `${status} ${contract.index.errors.get(status) ?? 'error'}`;
}

/** Fails unless the response is the error `status` in the contract's error shape. */
export function expectError(ex: Exchange, status: number, contract: Contract): ErrorBody {
  expectStatus(ex, status);
  expectConforms(ex);
  const validate = contract.schema('Error');
  if (!validate(ex.json))
    throw new CheckFailed(`${ex.label} answered ${status} without the error shape: ${contract.describeErrors(validate)}`);
  return ex.json as ErrorBody;
}

/** The session cookie values a response sets. */
export function sessionCookies(ex: Exchange, cookieName: string): { line: string; token: string }[] {
  return ex.setCookies.flatMap((line) => {
    const token = cookieValue(line, cookieName);
    return token === undefined ? [] : [{ line, token }];
  });
}

/** Server time of a response: its `Date` header when present and sane, else ours when it arrived. */
export function serverTime(ex: Exchange): number {
  const date = Date.parse(ex.headers.get('date') ?? '');
  return Number.isNaN(date) ? ex.receivedAt : date;
}

const DAY_MS = 24 * 3600 * 1000;

/** A span of time for messages: days to two decimals from a day on, else whole seconds. */
export function span(ms: number): string {
  return Math.abs(ms) >= DAY_MS ? `${(ms / DAY_MS).toFixed(2)} days` : `${Math.round(ms / 1000)} s`;
}

/** The answer's `Date` as sent, for messages; the suite's clock when it sent none. */
export function dateText(ex: Exchange): string {
  const date = ex.headers.get('date');
  return date === null ? `no Date (it arrived at ${new Date(ex.receivedAt).toISOString()} by the suite's clock)` : `Date ${date}`;
}

/**
 * The token lifetime an answer that began a session announces: its `expiration` minus its `Date`.
 * Fails when that is not ahead, since every lifetime read from it would be nonsense.
 */
export function announcedLifetime(ex: Exchange, session: Session): number {
  const expiresAt = Date.parse(session.expiration);
  if (Number.isNaN(expiresAt)) {
    throw new CheckFailed(
      `${ex.label} answered expiration ${JSON.stringify(session.expiration)}, not a date: the lifetime of its token cannot be read`,
    );
  }
  const lifetimeMs = expiresAt - serverTime(ex);
  if (lifetimeMs <= 0) {
    throw new CheckFailed(
      `${ex.label} answered expiration ${session.expiration}, ${span(-lifetimeMs)} before its own ${dateText(ex)}: a new token must expire after it is issued, so the lifetime this server announces cannot be read`,
    );
  }
  return lifetimeMs;
}

/** The caller's sessions from GET /api/me/sessions, failing unless exactly one is marked current. */
export async function listSessions(
  ctx: Context,
  auth: Credentials,
  label: string,
): Promise<{ ex: Exchange; sessions: SessionInfo[]; current: SessionInfo }> {
  const ex = await ctx.http.send({ method: 'GET', path: '/api/me/sessions', label, auth });
  const { sessions } = expectOk<SessionList>(ex);
  const current = sessions.filter((session) => session.current);
  if (current.length !== 1) {
    throw new CheckFailed(`${ex.label} marked ${current.length} sessions current, expected exactly one: the session that sent the request`);
  }
  return { ex, sessions, current: current[0]! };
}

/** A random name that fits the contract's UserName (letters, digits, `_`, `-`, `.`; ≤ 32). */
export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`.slice(0, 32);
}

export function createContext(
  contract: Contract,
  http: Http,
  seed: number,
  runs: number,
  slowConnections = DEFAULT_SLOW_CONNECTIONS,
): Context {
  const registered = new Map<string, Promise<Account>>();

  async function register(prefix: string): Promise<Account> {
    const name = randomName(prefix);
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const ex = await http.send({
      method: 'POST',
      path: '/api/register',
      label: `register a fresh account "${name}"`,
      json: { name, password },
    });
    const session = expectSession(ex);
    return { name, password, session, issuedAt: serverTime(ex), registered: ex };
  }

  return {
    contract,
    http,
    seed,
    runs,
    slowConnections,
    account(label, prefix = `Cf${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`) {
      let account = registered.get(label);
      if (!account) {
        account = register(prefix);
        registered.set(label, account);
      }
      return account;
    },
    async accounts() {
      const settled = await Promise.allSettled(registered.values());
      return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    },
    async login(account, label) {
      const ex = await http.send({
        method: 'POST',
        path: '/api/login',
        label,
        json: { name: account.name, password: account.password },
      });
      return expectSession(ex);
    },
  };
}

/** The `userid` a body carries, as plain text, for comparisons in messages. */
export function oid(value: unknown): string {
  return isRecord(value) && typeof value.$oid === 'string' ? value.$oid : JSON.stringify(value);
}
