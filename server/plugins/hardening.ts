import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';
import { type SecurityHeaders, securityHeaders } from './security-headers.js';

// API responses are data, never documents: nothing may load, frame or run from them.
const API_CSP = { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } as const;
// helmet's defaults otherwise; every response carries this set unless its route names another.
// no-store: the contract requires it on answers with a token or a user's data; on every API answer
// it costs nothing and no route can forget it.
const API_HEADERS = Object.freeze({
  ...securityHeaders({ contentSecurityPolicy: API_CSP, crossOriginResourcePolicy: { policy: 'same-site' } }),
  'Cache-Control': 'no-store',
});

export interface HardeningOptions {
  /** AZUMA_CORS_ORIGINS: browser origins allowed to call the API with credentials. */
  corsOrigins: readonly string[];
  /** The contract's session header: browsers on those origins may send it and read it. */
  sessionHeader: string;
  /** The methods the contract's operations use. */
  methods: readonly string[];
}

/**
 * What every request goes through before its route: security headers, the draining answer while
 * shutting down, JSON-only bodies, and CORS for the allow-listed origins.
 */
export const hardening = fp<HardeningOptions>(
  async (app, { corsOrigins, sessionHeader, methods }) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    // Callback-style hooks: they run on every request, and an async hook costs a promise each
    // time. While draining, keep-alive clients are told to retry elsewhere and to hang up:
    // server.close() spares sockets that turn idle after it was called, so this lets draining end.
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(request.routeOptions.config.securityHeaders ?? API_HEADERS);
      done(closing ? new ApiError(503, 'the server is shutting down; retry shortly', { 'Retry-After': '1' }) : undefined);
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });

    // Only JSON bodies are part of the contract; without this parser text/plain answers 415
    // instead of reaching a handler unvalidated.
    app.removeContentTypeParser('text/plain');
    // Fastify validates bodies by content type, so a POST with no body at all would skip it.
    app.addHook('preValidation', (request, _reply, done) => {
      const missing = request.routeOptions.schema?.body !== undefined && request.body === undefined;
      done(missing ? new ApiError(400, 'body is required: send a JSON object') : undefined);
    });

    if (corsOrigins.length > 0) {
      await app.register(cors, {
        origin: [...corsOrigins],
        credentials: true,
        exposedHeaders: [sessionHeader],
        allowedHeaders: ['Content-Type', sessionHeader],
        methods: [...methods],
        maxAge: 600,
      });
    }
  },
  { name: 'azuma-hardening' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Security headers for this route instead of the API's. */
    securityHeaders?: SecurityHeaders;
  }
}
