// Users for tests: names no other test of the run takes, and accounts registered or signed in
// through the typed client, with what a test goes on to use (name, password, token, cookie).

import type { components } from '@azuma/contract/generated/openapi';
import type { LightMyRequestResponse } from 'fastify';
import { type AnswerOf, api, type Target } from './api.js';

/** A password register accepts (long enough, not a common one), for tests that need any. */
export const PASSWORD = 'correct horse';

let made = 0;
/** A name unique in this run (process and counter), valid by the contract; `prefix` says whose it is in a failure. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}${process.pid}x${++made}`;
}

export interface SignedIn<R> {
  name: string;
  password: string;
  /** The session token, for the session header. */
  token: string;
  /** The session cookie the answer set (`Set-Cookie`), as sent. */
  cookie: string;
  session: components['schemas']['Session'];
  /** The answer of register or login itself, for tests that judge it. */
  response: R;
}

export interface UserOptions {
  /** A unique name unless given. */
  name?: string;
  /** `PASSWORD` unless given. */
  password?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** Registers a new user (a unique name and `PASSWORD` unless told); throws unless register answers 200. */
export function registerUser<T extends Target>(target: T, options: UserOptions = {}): Promise<SignedIn<AnswerOf<T>>> {
  const { name = uniqueName(), password = PASSWORD, ...sent } = options;
  return signedIn(api(target).post('/api/register', { body: { name, password }, ...sent }), name, password);
}

/** Signs an existing user in (with `PASSWORD` unless told); throws unless login answers 200. */
export function loginUser<T extends Target>(target: T, options: UserOptions & { name: string }): Promise<SignedIn<AnswerOf<T>>> {
  const { name, password = PASSWORD, ...sent } = options;
  return signedIn(api(target).post('/api/login', { body: { name, password }, ...sent }), name, password);
}

async function signedIn<R extends Response | LightMyRequestResponse>(
  answer: Promise<R>,
  name: string,
  password: string,
): Promise<SignedIn<R>> {
  const response = await answer;
  const fetched = response instanceof Response;
  const status = fetched ? response.status : response.statusCode;
  const text = fetched ? await response.clone().text() : response.body;
  if (status !== 200) throw new Error(`signing in ${name} answered ${status}: ${text}`);
  const cookie = fetched ? response.headers.get('set-cookie') : response.headers['set-cookie'];
  const session = JSON.parse(text) as components['schemas']['Session'];
  return { name, password, token: session.token, cookie: String(cookie ?? ''), session, response };
}
