// The typed Azuma client: openapi-fetch over the generated contract types, plus the one thing the
// reference asks every client to remember — follow the token whenever a response rotates it.

import { CONTRACT_VERSION, ISSUING_OPERATIONS, SESSION_HEADER } from '@azuma/contract/generated/contract-facts';
import type { components, paths } from '@azuma/contract/generated/openapi';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { AzumaError, AzumaNetworkError } from './errors.js';
import { bindOperations, type MethodsOf, operationsOf } from './operations.js';
import { sessionCookieFromResponse, sessionFromCookieHeader, withSessionCookie } from './session-cookie.js';
import { TokenStore } from './token-store.js';

export type { components, paths } from '@azuma/contract/generated/openapi';
export { AzumaError, type AzumaErrorMessage, AzumaNetworkError, type ErrorBody } from './errors.js';
/** The contract version this client was built from. */
export { CONTRACT_VERSION };

export type Version = components['schemas']['Version'];
export type Session = components['schemas']['Session'];
export type User = components['schemas']['User'];
export type RegisterRequest = components['schemas']['RegisterRequest'];
export type LoginRequest = components['schemas']['LoginRequest'];
export type UserUpdate = components['schemas']['UserUpdate'];
export type PasswordChange = components['schemas']['PasswordChange'];
export type SessionInfo = components['schemas']['SessionInfo'];
export type SessionList = components['schemas']['SessionList'];

/** The raw openapi-fetch client: every path and body typed from the contract. */
export type AzumaRawClient = Client<paths>;

export interface AzumaClientOptions {
  /** Where the API lives, e.g. `http://127.0.0.1:3000` (no `/api`). */
  baseUrl: string;
  /**
   * `'header'` (default): the token travels in the contract's session header; cookies are never sent.
   * `'cookie'`: the contract's session cookie; the browser keeps it, and in Node the client does.
   */
  auth?: 'header' | 'cookie';
  /** A token saved from an earlier run, to resume that session. */
  token?: string;
  /**
   * Called each time the stored token changes (login, register, password change, rotation), to
   * persist it; with `undefined` when the session ended (logout, or a 401 for the stored token).
   */
  onToken?: (token: string | undefined) => void;
  /** A fetch to use instead of the global one (tests, instrumentation, another runtime). */
  fetch?: (request: Request) => Promise<Response>;
}

const operation = operationsOf<paths>();

/** The typed methods: each is one operation of the contract, its arguments and answer typed from it. */
const OPERATIONS = {
  /** `GET /api/` */
  version: operation('get', '/api/'),
  /** `POST /api/register`; the new session is stored. */
  register: operation('post', '/api/register', { body: true }),
  /** `POST /api/login`; the new session is stored. */
  login: operation('post', '/api/login', { body: true }),
  /** `GET /api/me` with the stored session. */
  me: operation('get', '/api/me'),
  /** `PATCH /api/me`: sets or clears (`null`) `icon` and `status`; answers the updated user. */
  updateMe: operation('patch', '/api/me', { body: true }),
  /** `PUT /api/me/password`: every session of the user ends; the new one is stored. */
  changePassword: operation('put', '/api/me/password', { body: true }),
  /** `POST /api/logout`: ends the stored session, and the client forgets it (even if the server no longer knew it). */
  logout: operation('post', '/api/logout', { noContent: true }),
  /** `GET /api/me/sessions`: the user's live sessions, newest first, the stored one marked `current`. */
  sessions: operation('get', '/api/me/sessions'),
  /** `DELETE /api/me/sessions/{id}`: ends one of the user's sessions. */
  endSession: operation('delete', '/api/me/sessions/{id}', { noContent: true }),
  /** `DELETE /api/me/sessions`: ends every session of the user but the stored one. */
  endOtherSessions: operation('delete', '/api/me/sessions', { noContent: true }),
};

/** One method per operation of {@link OPERATIONS}. */
export type AzumaMethods = MethodsOf<paths, typeof OPERATIONS>;

export interface AzumaClient extends AzumaMethods {
  /** The token requests are sent with now; `undefined` before login, and in a browser in cookie mode (the cookie is HttpOnly). */
  readonly token: string | undefined;
  /** For anything the typed methods do not cover; shares the token handling. HTTP errors are values here, not exceptions. */
  readonly raw: AzumaRawClient;
}

const ISSUING: ReadonlySet<string> = new Set(ISSUING_OPERATIONS);

export function createAzumaClient(options: AzumaClientOptions): AzumaClient {
  const mode = options.auth ?? 'header';
  const store = new TokenStore(options.token, options.onToken);
  const raw = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // Header mode omits cookies so a browser's cookie can never win over the header (the server
    // prefers the cookie and would then rotate a token this client does not hold).
    credentials: mode === 'cookie' ? 'include' : 'omit',
  });
  raw.use(mode === 'cookie' ? cookieAuth(store) : headerAuth(store), networkErrors);

  const methods = bindOperations(raw, OPERATIONS);

  return {
    get token() {
      return store.current;
    },
    raw,
    ...methods,
    async logout() {
      const sent = store.current;
      try {
        await methods.logout();
      } catch (error) {
        // Whatever the answer, the session is over for this client: 204 ended it, 401 says it was.
        if (error instanceof AzumaError) store.forget(sent);
        throw error;
      }
      store.forget(sent);
    },
  };
}

function headerAuth(store: TokenStore): Middleware {
  return {
    onRequest({ request }) {
      // A header the app set itself (to act as another session once) is left alone.
      if (store.current && !request.headers.has(SESSION_HEADER)) request.headers.set(SESSION_HEADER, store.current);
    },
    async onResponse({ request, response, schemaPath }) {
      const sent = request.headers.get(SESSION_HEADER) ?? undefined;
      if (issuing(request, schemaPath)) {
        const token = response.ok ? await tokenFromBody(response) : undefined;
        if (token) store.issue(token);
        return;
      }
      if (response.status === 401) return store.forget(sent);
      const successor = response.headers.get(SESSION_HEADER);
      if (successor) store.rotate(sent, successor);
    },
  };
}

function cookieAuth(store: TokenStore): Middleware {
  return {
    onRequest({ request }) {
      // In a browser this header is forbidden and silently dropped; the browser sends its own cookie.
      const cookie = request.headers.get('Cookie');
      if (store.current && sessionFromCookieHeader(cookie) === undefined) {
        request.headers.set('Cookie', withSessionCookie(cookie, store.current));
      }
    },
    onResponse({ request, response, schemaPath }) {
      const sent = sessionFromCookieHeader(request.headers.get('Cookie'));
      const token = sessionCookieFromResponse(response.headers);
      if (issuing(request, schemaPath)) {
        if (response.ok && token) store.issue(token);
        return;
      }
      // A 401 or a cleared cookie: the session this client holds has ended.
      if (response.status === 401 || token === '') return store.forget(sent);
      if (token) store.rotate(sent, token);
    },
  };
}

// Only the API's own issuing operations begin sessions; anything else that sets a token is a
// rotation. Their 401 means wrong credentials (login, password change), not an ended session.
function issuing(request: Request, schemaPath: string): boolean {
  return ISSUING.has(`${request.method} ${schemaPath}`);
}

async function tokenFromBody(response: Response): Promise<string | undefined> {
  try {
    // A clone: openapi-fetch still reads the original body for the caller.
    const body: unknown = await response.clone().json();
    const token = (body as Partial<Session> | null)?.token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined; // Not the contract's Session; the typed method reports that, not this hook.
  }
}

// fetch rejects with a bare TypeError when there is no answer; name it, keep the cause, and let
// an app's own abort pass through untouched.
const networkErrors: Middleware = {
  onError({ error }) {
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new AzumaNetworkError(error);
  },
};
