// Security headers, fixed at start-up: every answer copies one frozen set, with nothing worked out
// per request. Names are lower case, as Fastify keeps them, so setting one does no conversion.

export type SecurityHeaders = Readonly<Record<string, string>>;

/**
 * What a JSON API's answers need (OWASP REST Security cheat sheet, "Security headers"): nothing
 * may load, frame or run from them, no browser may sniff them into another type, and no cache may
 * keep them. no-store: the contract requires it on answers with a token or a user's data; on
 * every API answer it costs nothing and no route can forget it. The rest of helmet's set is for
 * HTML pages, which the API never sends.
 */
export const API_HEADERS: SecurityHeaders = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/**
 * GET /docs, the one HTML page: Redoc's page is one inline bundle (inline script and styles, a
 * blob worker for search), allowed from this origin and nowhere else, and it opens no window
 * another origin can reach.
 */
export const DOCS_HEADERS: SecurityHeaders = Object.freeze({
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self' 'unsafe-inline' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
  ].join(';'),
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});
