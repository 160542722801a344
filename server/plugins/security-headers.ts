import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export type SecurityHeaders = Readonly<Record<string, string>>;

/**
 * The headers helmet sets for `options`, worked out once at start-up. @fastify/helmet calls
 * helmet(options) again on every request, rebuilding (and re-parsing the CSP of) the whole
 * middleware chain: in the benchmark's CPU profiles, about a tenth of GET /api/'s and /api/me's.
 * With static options the result never changes. Directives must therefore be plain strings: one
 * given as a function (a per-request nonce) would be frozen here, so it is refused.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string) {
      headers[name] = value;
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  const directives = typeof options.contentSecurityPolicy === 'object' ? Object.values(options.contentSecurityPolicy.directives ?? {}) : [];
  if (directives.some((value) => value !== null && typeof value === 'object' && [...value].some((entry) => typeof entry === 'function'))) {
    throw new Error('security headers are computed once: CSP directives must be strings, not functions');
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}
