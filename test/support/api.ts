// The requests tests send, typed by the contract (generated/openapi.ts): a path, method, path
// parameter or body the contract does not have is a compile error. `api(app)` sends through
// Fastify's inject, `api(url)` over a real socket with fetch; both hand back the answer as it came,
// for the test to judge. A request the contract deliberately does not describe (an unknown path,
// a method a path does not have) is written out with app.inject or fetch instead; a body it
// refuses goes in `uncheckedBody`, so its path is still checked.

import { SESSION_COOKIE, SESSION_HEADER } from '@azuma/contract/generated/contract-facts';
import type { paths } from '@azuma/contract/generated/openapi';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The contract's paths that have an operation for `M`. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON body of an operation; `never` when it takes none. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends {
    requestBody: { content: { 'application/json': infer B } };
  }
    ? B
    : never;

/** How a request carries a session and what else it sends beside the contract's parts. */
export interface Sent {
  /** A session token, sent in the contract's session header. */
  token?: string;
  /** A session token, sent in the contract's session cookie. */
  cookie?: string;
  headers?: Record<string, string>;
  /** The client address the app sees; inject only (over a socket it is the socket's). */
  remoteAddress?: string;
  /**
   * A body the contract refuses, sent unchecked in place of `body`: a string as written (with
   * `content-type: application/json` unless `headers` name another), anything else as JSON.
   */
  uncheckedBody?: unknown;
}

type BodyOption<B> = [B] extends [never] ? { body?: never } : { body?: B };
type ParamsOption<O> = O extends { parameters: { path: infer A } } ? { params: A } : { params?: never };

export type RequestOptions<P extends keyof paths, M extends Method> = Sent & BodyOption<RequestBody<P, M>> & ParamsOption<Operation<P, M>>;

/** Options may be left out unless the path has parameters. */
type Options<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: object } } ? [options: RequestOptions<P, M>] : [options?: RequestOptions<P, M>];

export interface Api<R> {
  get<P extends PathOf<'get'>>(path: P, ...options: Options<P, 'get'>): Promise<R>;
  post<P extends PathOf<'post'>>(path: P, ...options: Options<P, 'post'>): Promise<R>;
  put<P extends PathOf<'put'>>(path: P, ...options: Options<P, 'put'>): Promise<R>;
  patch<P extends PathOf<'patch'>>(path: P, ...options: Options<P, 'patch'>): Promise<R>;
  delete<P extends PathOf<'delete'>>(path: P, ...options: Options<P, 'delete'>): Promise<R>;
}

/** Where requests go: an app in this process, or the base URL of a listening server (no `/api`). */
export type Target = FastifyInstance | string;
/** The answer a target gives: inject's response, or fetch's. */
export type AnswerOf<T extends Target> = T extends string ? Response : LightMyRequestResponse;

export function api<T extends Target>(target: T): Api<AnswerOf<T>> {
  const send =
    (method: Method) =>
    (path: string, options: Sent & { body?: unknown; params?: object } = {}) => {
      const { url, headers, body } = prepare(path, options);
      const answer =
        typeof target === 'string'
          ? fetch(`${target}${url}`, { method: method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) })
          : (target as FastifyInstance).inject({
              method: method.toUpperCase() as 'GET',
              url,
              headers,
              ...(body === undefined ? {} : { payload: body }),
              ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
            });
      return answer as Promise<AnswerOf<T>>;
    };
  return { get: send('get'), post: send('post'), put: send('put'), patch: send('patch'), delete: send('delete') } as Api<AnswerOf<T>>;
}

function prepare(path: string, options: Sent & { body?: unknown; params?: object }) {
  const params = (options.params ?? {}) as Record<string, string>;
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const headers: Record<string, string> = {
    ...(options.token === undefined ? {} : { [SESSION_HEADER]: options.token }),
    ...(options.cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${options.cookie}` }),
    ...options.headers,
  };
  const payload = 'uncheckedBody' in options ? options.uncheckedBody : options.body;
  if (payload === undefined) return { url, headers, body: undefined };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return { url, headers, body: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}

/** The session header's name as an answer's headers key it (Node lower-cases them). */
export const SESSION_HEADER_KEY = SESSION_HEADER.toLowerCase();

/** The token a `Set-Cookie` value gives the session cookie; `undefined` when it sets no session. */
export function cookieToken(setCookie: unknown): string | undefined {
  return new RegExp(`^${SESSION_COOKIE}=(\\w+);`).exec(String(setCookie))?.[1];
}
