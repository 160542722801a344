// The typed Azuma client: openapi-fetch over the generated contract types, plus the one thing the
// reference asks every client to remember — follow the token whenever a response rotates it.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { CONTRACT_VERSION, ISSUING_PATHS, SESSION_HEADER } from '../generated/contract-facts.js';
import type { components, paths } from '../generated/openapi.js';
import { AzumaError, AzumaNetworkError } from './errors.js';
import { sessionFromCookieHeader, sessionFromSetCookie, withSessionCookie } from './session-cookie.js';
import { TokenStore } from './token-store.js';

export type { components, paths } from '../generated/openapi.js';
export { AzumaError, type AzumaErrorMessage, AzumaNetworkError, type ErrorBody } from './errors.js';
/** The contract version this client was built from. */
export { CONTRACT_VERSION };

export type Version = components['schemas']['Version'];
export type Session = components['schemas']['Session'];
export type User = components['schemas']['User'];
export type RegisterRequest = components['schemas']['RegisterRequest'];
export type LoginRequest = components['schemas']['LoginRequest'];

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
  /** Called each time the stored token changes (login, register, rotation), to persist it. */
  onToken?: (token: string) => void;
  /** A fetch to use instead of the global one (tests, instrumentation, another runtime). */
  fetch?: (request: Request) => Promise<Response>;
}

export interface AzumaClient {
  /** The token requests are sent with now; `undefined` before login, and in a browser in cookie mode (the cookie is HttpOnly). */
  readonly token: string | undefined;
  /** For anything the typed methods do not cover; shares the token handling. HTTP errors are values here, not exceptions. */
  readonly raw: AzumaRawClient;
  /** `GET /api/` */
  version(): Promise<Version>;
  /** `POST /api/register`; the new session is stored. */
  register(body: RegisterRequest): Promise<Session>;
  /** `POST /api/login`; the new session is stored. */
  login(body: LoginRequest): Promise<Session>;
  /** `GET /api/me` with the stored session. */
  me(): Promise<User>;
}

const ISSUING: ReadonlySet<string> = new Set(ISSUING_PATHS);

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

  return {
    get token() {
      return store.current;
    },
    raw,
    version: async () => expectData(await raw.GET('/api/')),
    register: async (body) => expectData(await raw.POST('/api/register', { body })),
    login: async (body) => expectData(await raw.POST('/api/login', { body })),
    me: async () => expectData(await raw.GET('/api/me')),
  };
}

function headerAuth(store: TokenStore): Middleware {
  return {
    onRequest({ request }) {
      // A header the app set itself (to act as another session once) is left alone.
      if (store.current && !request.headers.has(SESSION_HEADER)) request.headers.set(SESSION_HEADER, store.current);
    },
    async onResponse({ request, response, schemaPath }) {
      if (issuesSession(request, response, schemaPath)) {
        const token = await tokenFromBody(response);
        if (token) store.issue(token);
        return;
      }
      const successor = response.headers.get(SESSION_HEADER);
      if (successor) store.rotate(request.headers.get(SESSION_HEADER) ?? undefined, successor);
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
      const token = sessionFromSetCookie(response.headers);
      if (!token) return;
      if (issuesSession(request, response, schemaPath)) store.issue(token);
      else store.rotate(sessionFromCookieHeader(request.headers.get('Cookie')), token);
    },
  };
}

// Only the API's own operations issue sessions; anything else that sets a token is a rotation.
function issuesSession(request: Request, response: Response, schemaPath: string): boolean {
  return response.ok && request.method === 'POST' && ISSUING.has(schemaPath);
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

function expectData<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new AzumaError(result.response, result.error);
}
