// Requests typed from the contract's generated `paths`: a path, a method the path lacks, a body of
// the wrong shape or a missing path parameter is a compile error. Requests that break the contract
// on purpose (fuzzing, validation) build their own with `Http.send`; every other check speaks
// through here, and the calls checks repeat are named below.
import type { components, paths } from '@azuma/contract/generated/openapi';
import type { Context } from './context.js';
import { expectOk } from './expect.js';
import { CheckFailed, type Credentials, type Exchange, type Http } from './http.js';

export type Session = components['schemas']['Session'];
export type User = components['schemas']['User'];
export type ErrorBody = components['schemas']['Error'];
export type SessionInfo = components['schemas']['SessionInfo'];
export type SessionList = components['schemas']['SessionList'];
type UserUpdate = components['schemas']['UserUpdate'];

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
/** The paths that have an operation for `M`. */
export type PathOf<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type OperationOf<M extends Method, P extends PathOf<M>> = paths[P][M];

type BodyPart<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? { json: B } : { json?: never };
type ParamsPart<O> = O extends { parameters: { path: infer Q extends Record<string, string> } } ? { params: Q } : { params?: never };

/** What a typed request sends besides its method and path. */
export type Call<O> = {
  /** What the request is, in a few words, for failure messages. */
  label: string;
  auth?: Credentials;
  /** More request headers, sent as given. */
  headers?: Record<string, string>;
} & BodyPart<O> &
  ParamsPart<O>;

/** Sends a request the contract documents, its path parameters filled in. */
export function request<M extends Method, P extends PathOf<M>>(
  http: Http,
  method: M,
  path: P,
  call: Call<OperationOf<M, P>>,
): Promise<Exchange> {
  const { label, auth, headers, json, params } = call as Call<unknown> & { json?: unknown; params?: Record<string, string> };
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ''));
  return http.send({
    method: method.toUpperCase(),
    path: filled,
    label,
    ...(json !== undefined ? { json } : {}),
    ...(auth ? { auth } : {}),
    ...(headers ? { headers } : {}),
  });
}

/** The two ways a session token travels: the contract's cookie, or its header. */
export type Channel = 'cookie' | 'header';

/** Both channels, for checks that must see a behaviour on each. */
export const CHANNELS: readonly Channel[] = ['header', 'cookie'];

/** `token` sent on one channel. */
export function by(channel: Channel, token: string): Credentials {
  return channel === 'cookie' ? { cookie: token } : { header: token };
}

interface NameAndPassword {
  name: string;
  password: string;
}

/** POST /api/register with the name and password of `who` (and nothing else it holds). */
export const register = (ctx: Context, who: NameAndPassword, label: string) =>
  request(ctx.http, 'post', '/api/register', { label, json: { name: who.name, password: who.password } });

/** POST /api/login with the name and password of `who` (and nothing else it holds). */
export const login = (ctx: Context, who: NameAndPassword, label: string, headers?: Record<string, string>) =>
  request(ctx.http, 'post', '/api/login', { label, json: { name: who.name, password: who.password }, ...(headers ? { headers } : {}) });

export const getMe = (ctx: Context, auth: Credentials, label: string) => request(ctx.http, 'get', '/api/me', { label, auth });

export const updateMe = (ctx: Context, token: string, json: UserUpdate, label: string) =>
  request(ctx.http, 'patch', '/api/me', { label, json, auth: { header: token } });

export const changePassword = (ctx: Context, token: string, currentPassword: string, newPassword: string, label: string) =>
  request(ctx.http, 'put', '/api/me/password', { label, json: { currentPassword, newPassword }, auth: { header: token } });

export const logout = (ctx: Context, auth: Credentials, label: string) => request(ctx.http, 'post', '/api/logout', { label, auth });

export const endSession = (ctx: Context, auth: Credentials, id: string, label: string) =>
  request(ctx.http, 'delete', '/api/me/sessions/{id}', { label, auth, params: { id } });

export const endOtherSessions = (ctx: Context, auth: Credentials, label: string) =>
  request(ctx.http, 'delete', '/api/me/sessions', { label, auth });

/** The caller's sessions from GET /api/me/sessions, failing unless exactly one is marked current. */
export async function listSessions(
  ctx: Context,
  auth: Credentials,
  label: string,
): Promise<{ ex: Exchange; sessions: SessionInfo[]; current: SessionInfo }> {
  const ex = await request(ctx.http, 'get', '/api/me/sessions', { label, auth });
  const { sessions } = expectOk<SessionList>(ex);
  const current = sessions.filter((session) => session.current);
  if (current.length !== 1) {
    throw new CheckFailed(`${ex.label} marked ${current.length} sessions current, expected exactly one: the session that sent the request`);
  }
  return { ex, sessions, current: current[0]! };
}
