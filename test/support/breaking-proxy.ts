// A tiny HTTP proxy in front of a real server that breaks one behaviour on purpose, so the
// conformance suite can be shown to catch it. Black-box like the suite itself: it only rewrites
// requests and responses on the wire.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
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

export interface Breakage {
  /** Rewrites the request before it reaches the server. */
  request?(req: ProxiedRequest): ProxiedRequest;
  /** Rewrites the server's response, or answers instead of it. */
  response?(req: ProxiedRequest, res: ProxiedResponse): ProxiedResponse;
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
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        req = breakage.request?.(req) ?? req;
        let res = await forward(upstream, req);
        res = breakage.response?.(req, res) ?? res;
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
