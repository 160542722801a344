// The typed methods of the client, derived from one table: each entry names an operation of the
// contract by HTTP method and path, and its method's arguments and answer are read from the
// generated `paths`, so an operation is stated once and a wrong entry does not compile.
import type { Client } from 'openapi-fetch';
import { AzumaError } from './errors.js';

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The contract's operation at `method path`. */
type OperationAt<Paths, M extends HttpMethod, P extends keyof Paths> = Paths[P] extends { [K in M]: infer O } ? O : never;

/** `{id}`, `{channel}` … of a path, in the order they appear. */
type PathNames<P> = P extends `${string}{${infer Name}}${infer Rest}` ? [Name, ...PathNames<Rest>] : [];

type ParametersOf<O> = O extends { parameters: infer X } ? X : never;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<O> = O extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never;
type Responses<O> = O extends { responses: infer R } ? R : never;
type SuccessStatus = 200 | 201 | 202 | 203 | 206;
/** The JSON body of the operation's 2xx answers (200 or 201 alike). */
type Data<O> = { [S in keyof Responses<O>]: S extends SuccessStatus ? JsonOf<Responses<O>[S]> : never }[keyof Responses<O>];
type HasNoContent<O> = 204 extends keyof Responses<O> ? ([Data<O>] extends [never] ? true : false) : false;
/** The headers of the operation's successful answers, by status. */
type SuccessHeaders<O> = {
  [S in keyof Responses<O>]: S extends SuccessStatus | 204 ? (Responses<O>[S] extends { headers: infer H } ? H : never) : never;
}[keyof Responses<O>];
/** The response headers the contract names (not its `[name: string]` catch-all). */
type HeaderName<O> =
  SuccessHeaders<O> extends infer H ? (H extends unknown ? keyof { [K in keyof H as string extends K ? never : K]: 0 } : never) : never;
/** A header the contract marks optional (a `Link` absent on the last page) may be missing. */
type HeaderValue<O, N> =
  SuccessHeaders<O> extends infer H
    ? true extends (H extends unknown ? (N extends keyof H ? (Record<never, never> extends Pick<H, N> ? true : false) : true) : never)
      ? string | undefined
      : string
    : never;

/** Path parameters, positional, in the order of the path. */
type PathArgs<Names, X> = Names extends [infer N, ...infer Rest] ? [X[N & keyof X], ...PathArgs<Rest, X>] : [];
type PathParams<O> = ParametersOf<O> extends { path: infer X } ? X : never;
type BodyArgs<O> = [RequestBody<O>] extends [never]
  ? []
  : O extends { requestBody: unknown }
    ? [body: RequestBody<O>]
    : [body?: RequestBody<O>];
/** Query parameters and request headers (a cursor, an idempotency key), as openapi-fetch takes them. */
export type RequestOptions<O> = {
  [K in keyof ParametersOf<O> as K extends 'query' | 'header'
    ? [NonNullable<ParametersOf<O>[K]>] extends [never]
      ? never
      : K
    : never]: ParametersOf<O>[K];
};
type OptionArgs<O> = keyof RequestOptions<O> extends never
  ? []
  : Record<never, never> extends RequestOptions<O>
    ? [options?: RequestOptions<O>]
    : [options: RequestOptions<O>];

/**
 * What an entry says besides method and path, each checked against the contract: `body` when the
 * operation takes one, `noContent` when it answers 204, and the success headers the method returns.
 */
type Flags<O> = ([RequestBody<O>] extends [never] ? { body?: never } : { body: true }) &
  (HasNoContent<O> extends true ? { noContent: true } : { noContent?: never }) & { headers?: readonly HeaderName<O>[] };

/** One entry of the table. */
export interface Operation<M extends HttpMethod = HttpMethod, P extends string = string, F = unknown> {
  readonly method: M;
  readonly path: P;
  readonly flags: F;
}

/** The body of the answer (nothing for a 204), and the headers the entry names if it names any. */
type Result<O, F> = F extends { headers: readonly (infer N extends string)[] }
  ? { data: F extends { noContent: true } ? undefined : Data<O>; headers: { [K in N]: HeaderValue<O, K> } }
  : F extends { noContent: true }
    ? // biome-ignore lint/suspicious/noConfusingVoidType: the published signatures answer Promise<void>
      void
    : Data<O>;

/** The method an entry stands for: path parameters, then the body, then query and headers. */
export type MethodOf<Paths, E> =
  E extends Operation<infer M, infer P, infer F>
    ? P extends keyof Paths
      ? (
          ...args: [
            ...PathArgs<PathNames<P>, PathParams<OperationAt<Paths, M, P>>>,
            ...BodyArgs<OperationAt<Paths, M, P>>,
            ...OptionArgs<OperationAt<Paths, M, P>>,
          ]
        ) => Promise<Result<OperationAt<Paths, M, P>, F>>
      : never
    : never;

export type MethodsOf<Paths, T> = { readonly [K in keyof T]: MethodOf<Paths, T[K]> };

type LooseFlags = { readonly body?: true; readonly noContent?: true; readonly headers?: readonly string[] };

/**
 * The entry constructor for one contract: `operation('post', '/api/login', { body: true })`. A
 * path without that method, or flags that disagree with the operation, make the path a type error.
 */
export function operationsOf<Paths>() {
  return <M extends HttpMethod, P extends string & keyof Paths, const F extends LooseFlags = Record<never, never>>(
    method: M,
    path: P & ([OperationAt<Paths, M, P>] extends [never] ? never : F extends Flags<OperationAt<Paths, M, P>> ? unknown : never),
    flags?: F,
  ): Operation<M, P, F> => ({ method, path, flags: flags ?? ({} as F) });
}

interface Fetched {
  data?: unknown;
  error?: unknown;
  response: Response;
}
type Send = (method: string, path: string, init: object) => Promise<Fetched>;

/** The table's methods over one openapi-fetch client (so they share its middleware). */
export function bindOperations<Paths extends {}, T extends Record<string, Operation>>(raw: Client<Paths>, table: T): MethodsOf<Paths, T> {
  const send = raw.request as unknown as Send;
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, operation] of Object.entries(table)) methods[name] = (...args) => call(send, operation, args);
  return methods as unknown as MethodsOf<Paths, T>;
}

async function call(send: Send, { method, path, flags }: Operation, args: unknown[]): Promise<unknown> {
  const { body, noContent, headers } = flags as LooseFlags;
  const names = path.match(/\{[^}]+\}/g) ?? [];
  const rest = args.slice(names.length);
  const params = {
    path: Object.fromEntries(names.map((name, i) => [name.slice(1, -1), args[i]])),
    ...(rest[body ? 1 : 0] as object | undefined),
  };
  const { data, error, response } = await send(method, path, { params, body: body ? rest[0] : undefined });
  // An answer off the contract (an empty 2xx, a body where 204 was due) is an error too.
  if (noContent ? response.status !== 204 : !response.ok || data === undefined) throw new AzumaError(response, error);
  if (!headers) return data;
  return { data, headers: Object.fromEntries(headers.map((name) => [name, response.headers.get(name) ?? undefined])) };
}
