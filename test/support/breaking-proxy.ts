// A tiny HTTP proxy in front of a real server that breaks one behaviour on purpose, so the
// conformance suite can be shown to catch it. Black-box like the suite itself: it only rewrites
// requests and responses on the wire.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  /** When the proxy received it (before the server saw it), in ms. */
  receivedAt: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** Sends a request of the proxy's own to the server. */
export type Forward = (req: ProxiedRequest) => Promise<ProxiedResponse>;

export interface Breakage {
  /** Answers instead of the server, which then never sees the request. */
  answer?(req: ProxiedRequest): ProxiedResponse | undefined;
  /** Rewrites the request before it reaches the server. */
  request?(req: ProxiedRequest): ProxiedRequest;
  /** Rewrites the server's response, or answers instead of it (asking the server more on the way if it must). */
  response?(req: ProxiedRequest, res: ProxiedResponse, forward: Forward): ProxiedResponse | Promise<ProxiedResponse>;
}

export interface BrokenServer {
  url: string;
  close(): Promise<void>;
}

function forward(upstream: URL, req: ProxiedRequest): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.path,
        // No pooled sockets: closing the proxy and the server must leave nothing open.
        agent: false,
        headers: { ...headers, ...(req.body ? { 'content-length': Buffer.byteLength(req.body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = value;
          resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body || undefined);
  });
}

export async function startBrokenServer(upstreamUrl: string, breakage: Breakage): Promise<BrokenServer> {
  const upstream = new URL(upstreamUrl);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        let req: ProxiedRequest = {
          receivedAt: Date.now(),
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        req = breakage.request?.(req) ?? req;
        let res = breakage.answer?.(req) ?? (await forward(upstream, req));
        res = (await breakage.response?.(req, res, (own) => forward(upstream, own))) ?? res;
        const headers = { ...res.headers };
        // The body may have been rewritten: let Node frame it again.
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        delete headers.connection;
        delete headers['keep-alive'];
        outgoing.writeHead(res.status, headers);
        outgoing.end(res.body);
      })().catch((error: unknown) => {
        outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`breaking proxy: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A JSON response in the contract's error shape. */
export function errorResponse(status: number, message: string, detail?: string): ProxiedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ code: status, message, ...(detail ? { detail } : {}) }),
  };
}

/** One session as a resurrecting proxy saw it begin, and what has happened to it since. */
export interface SeenSession {
  userId: string;
  /** When the proxy received the request that began it: never later than the server's own start. */
  startedAt: number;
  /** The token a logout of it was sent with. */
  loggedOutWith?: string;
}

/**
 * A server that lets sessions outlive what should end them, played by a proxy in front of one
 * that does not. It remembers the credentials that pass through register, login and password
 * change per user id, and every token it sees issued: a new session's, and each successor (linked
 * to the session of the token it succeeds). When the server answers 401 to a token so seen and
 * `revive(session, token)` says this session should still be alive, the proxy logs in again with
 * the remembered credentials and answers the request retried with the fresh token instead; the
 * fresh session counts as the old one, so its tokens are revived in turn.
 */
export function resurrecting(
  names: { cookie: string; header: string },
  revive: (session: SeenSession, token: string) => boolean,
): Breakage {
  const header = names.header.toLowerCase();
  const passwords = new Map<string, { name: string; password: string }>();
  const sessions = new Map<string, SeenSession>();

  /** The token a request carries on each channel. */
  const sent = (req: ProxiedRequest) => ({
    cookie: String(req.headers.cookie ?? '')
      .split(';')
      .map((pair) => pair.trim().split('='))
      .find(([name]) => name === names.cookie)?.[1],
    header: typeof req.headers[header] === 'string' ? req.headers[header] : undefined,
  });
  /** The token a response issues as a successor, on either channel. */
  const successor = (res: ProxiedResponse) => {
    const cookies = [res.headers['set-cookie'] ?? []].flat();
    const cookie = cookies.map((line) => line.split(';')[0]!.split('=')).find(([name, value]) => name === names.cookie && value)?.[1];
    return cookie ?? (typeof res.headers[header] === 'string' ? res.headers[header] : undefined);
  };
  const json = (text: string) => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  };

  /** Remembers what a response tells: new sessions and their credentials, successors, logouts. */
  const learn = (req: ProxiedRequest, res: ProxiedResponse, session: SeenSession | undefined, token: string | undefined) => {
    const body = json(req.body);
    const answer = json(res.body);
    const userId = (answer.userid as { $oid?: string } | undefined)?.$oid;
    if (res.status === 200 && userId && typeof answer.token === 'string') {
      // register, login or a password change: a new session, and the user's password as of now.
      const known = passwords.get(userId);
      const name = typeof body.name === 'string' ? body.name : known?.name;
      const password = typeof body.newPassword === 'string' ? body.newPassword : body.password;
      if (name && typeof password === 'string') passwords.set(userId, { name, password });
      sessions.set(answer.token, { userId, startedAt: req.receivedAt });
      return;
    }
    const next = successor(res);
    if (session && next) sessions.set(next, session);
    if (session && token && req.method === 'POST' && req.path === '/api/logout' && res.status === 204) session.loggedOutWith = token;
  };

  return {
    async response(req, res, forward) {
      const { cookie, header: headerToken } = sent(req);
      const token = [cookie, headerToken].find((t) => t && sessions.has(t));
      const session = token ? sessions.get(token) : undefined;
      learn(req, res, session, token);
      if (res.status !== 401 || !session || !token || !revive(session, token)) return res;
      const credentials = passwords.get(session.userId);
      if (!credentials) return res;
      const login = await forward({
        receivedAt: Date.now(),
        method: 'POST',
        path: '/api/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      });
      const fresh = json(login.body).token;
      if (login.status !== 200 || typeof fresh !== 'string') return res;
      sessions.set(fresh, session);
      // The same request, with the fresh token wherever the dead one was.
      const headers = { ...req.headers };
      if (cookie === token) headers.cookie = `${names.cookie}=${fresh}`;
      if (headerToken === token) headers[header] = fresh;
      const retried = await forward({ ...req, headers });
      learn({ ...req, headers }, retried, session, fresh);
      return retried;
    },
  };
}
