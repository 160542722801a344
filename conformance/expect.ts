// The assertions checks repeat: a status, a conforming body, the contract's error shape, a header
// there or not, a field with the value sent. Each fails with a CheckFailed whose message is built
// here, so every reason reads `<request> answered <what came>, expected <what the contract says>`.

import type { Contract } from './contract.js';
import { CheckFailed, type Exchange, isRecord } from './http.js';
import { brief } from './messages.js';
import type { ErrorBody, Session } from './requests.js';

const RATE_LIMIT_HINT =
  ' (the server rate-limited the suite: run it with its auth rate limit off or high, e.g. AZUMA_AUTH_RATE_LIMIT=0 for the reference server)';

/** A status with the constant the contract pins for it, for titles: the status, a space, the constant. */
export function statusName(contract: Contract, status: number): string {
  return `${status} ${contract.index.errors.get(status) ?? 'error'}`;
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

/** Fails unless the response is the error `status` in the contract's error shape. */
export function expectError(ex: Exchange, status: number, contract: Contract): ErrorBody {
  expectStatus(ex, status);
  expectConforms(ex);
  const validate = contract.schema('Error');
  if (!validate(ex.json))
    throw new CheckFailed(`${ex.label} answered ${status} without the error shape: ${contract.describeErrors(validate)}`);
  return ex.json as ErrorBody;
}

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

/** Fails unless the response carries the header. */
export function expectHeader(ex: Exchange, name: string): string {
  const value = ex.headers.get(name);
  if (value === null) throw new CheckFailed(`${ex.label} answered ${ex.status} without ${name}`);
  return value;
}

/** Fails when the response carries the header; `why` says why it must not. */
export function expectNoHeader(ex: Exchange, name: string, why: string): void {
  const value = ex.headers.get(name);
  if (value !== null) throw new CheckFailed(`${ex.label} answered ${ex.status} with ${name} ${JSON.stringify(value)}: ${why}`);
}

/** Fails unless the name is locked against this client: the contract's 429, with Retry-After. */
export function expectLocked(ex: Exchange, contract: Contract): void {
  expectError(ex, 429, contract);
  expectHeader(ex, 'Retry-After');
}

/** Fails unless a field of the body has the value expected; `expected` is shown as JSON. */
export function expectField(ex: Exchange, field: string, actual: unknown, expected: unknown): void {
  if (actual === expected) return;
  throw new CheckFailed(`${ex.label} answered ${field} ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** The `$oid` an id field carries, as plain text, for comparisons and messages. */
export function oid(value: unknown): string {
  return isRecord(value) && typeof value.$oid === 'string' ? value.$oid : JSON.stringify(value);
}

/** Fails unless an id field (`userid`, `_id`) names the user expected. */
export function expectUser(ex: Exchange, field: string, actual: unknown, expected: unknown): void {
  if (oid(actual) === oid(expected)) return;
  throw new CheckFailed(`${ex.label} answered ${field} ${oid(actual)}, expected the account's ${oid(expected)}`);
}

/**
 * Fails unless two answers are the same to the byte: where a difference would tell a secret (which
 * names, which session ids exist), `secret` names it.
 */
export function expectIndistinguishable(a: { ex: Exchange; what: string }, b: { ex: Exchange; what: string }, secret: string): void {
  if (JSON.stringify(a.ex.json) === JSON.stringify(b.ex.json)) return;
  throw new CheckFailed(`${a.what} answered ${a.ex.text} but ${b.what} answered ${b.ex.text}: the difference tells which ${secret} exist`);
}

/** Runs `each` on every item and fails once with every item's failure, instead of at the first. */
export async function expectEach<T>(items: Iterable<T>, each: (item: T) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  for (const item of items) {
    try {
      await each(item);
    } catch (error) {
      if (!(error instanceof CheckFailed)) throw error;
      failed.push(error.message);
    }
  }
  if (failed.length > 0) throw new CheckFailed(failed.join(' | '));
}

/** Whether the response says Cache-Control: no-store. */
export function saysNoStore(ex: Exchange): boolean {
  return /(^|,)\s*no-store\s*(,|$)/i.test(ex.headers.get('cache-control') ?? '');
}

/** Fails unless the response says Cache-Control: no-store. */
export function expectNoStore(ex: Exchange): void {
  if (!saysNoStore(ex))
    throw new CheckFailed(`${ex.label} answered Cache-Control ${JSON.stringify(ex.headers.get('cache-control'))}, expected no-store`);
}
