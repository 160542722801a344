import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import openapiGlue from 'fastify-openapi-glue';
import { readFileSync } from 'node:fs';
import { OWASP_SCRYPT, passwordHasher, type ScryptParams } from './auth/passwords.js';
import { sessionService } from './auth/sessions.js';
import { startSessionSweeper } from './auth/sweeper.js';
import type { Config } from './config.js';
import { DOCS_PATH, loadContract } from './contract.js';
import { sessionCookies } from './cookies.js';
import { openDatabase } from './db/open.js';
import { sessionsRepository } from './db/sessions.js';
import { usersRepository } from './db/users.js';
import { ApiError, clientErrorHandler, installErrorHandling } from './errors.js';
import { createHandlers, type Handlers } from './handlers.js';
import { securityHeaders, type SecurityHeaders } from './security-headers.js';
import { assertEverySchemeHandled, securityHandlers, securityPreHandler, securityRequirements } from './security.js';

export interface AppOptions {
  /** Clock in ms; tests move it to reach the refresh window without waiting. */
  now?: () => number;
  /** scrypt cost for new hashes; tests lower it, production keeps the OWASP default. */
  scrypt?: ScryptParams;
  /** How often expired sessions are swept. */
  sweepIntervalMs?: number;
  /** Where log lines go (stdout by default); tests read them to check what is logged. */
  logStream?: { write(line: string): void };
}

const MAX_HEADER_SIZE = 8 * 1024;

/** Operations limited per client IP by AZUMA_AUTH_RATE_LIMIT. */
const AUTH_OPERATIONS = new Set<keyof Handlers>(['registerUser', 'loginUser']);

// API responses are data, never documents: nothing may load, frame or run from them.
const API_CSP = { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } as const;
// Redoc's page is one inline bundle: inline script and styles, a blob worker for search.
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'", "'unsafe-inline'", 'blob:'],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
} as const;
// helmet's defaults otherwise; every response carries one of these sets (see security-headers.ts).
const API_HEADERS = securityHeaders({ contentSecurityPolicy: API_CSP, crossOriginResourcePolicy: { policy: 'same-site' } });
const DOCS_HEADERS = securityHeaders({ contentSecurityPolicy: DOCS_CSP, crossOriginResourcePolicy: { policy: 'same-site' } });

/** Builds the whole API without listening: tests inject into it, main.ts listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const contract = loadContract();
  const docsHtml = readFileSync(DOCS_PATH);

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Pino's request serializer leaves headers out; should anyone log them, credentials stay out.
      redact: ['req.headers.cookie', 'req.headers["azuma-session"]', 'res.headers["set-cookie"]', 'res.headers["azuma-session"]'],
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Requests must match the contract as sent: nothing stripped, nothing coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Fastify's own 503 while closing is not in the error shape; the hooks below answer instead.
    return503OnClosing: false,
    // Tokens are 64 characters: 8 KiB of headers is plenty, and bounds what each request holds.
    http: { maxHeaderSize: MAX_HEADER_SIZE },
    clientErrorHandler: clientErrorHandler(MAX_HEADER_SIZE),
  });

  const db = openDatabase(config.dbPath);
  const sessionsRepo = sessionsRepository(db);
  const sessions = sessionService(sessionsRepo, config.sessionTtlSeconds, now);
  const sweeper = startSessionSweeper(sessionsRepo, now, options.sweepIntervalMs ?? 10 * 60 * 1000);
  app.decorate('sweepExpiredSessions', () => sweeper.sweep());
  app.addHook('onClose', async () => {
    await sweeper.stop();
    db.close();
  });

  installErrorHandling(app, config.bodyLimit);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  // Every response, errors and 404s included, carries security headers (a route may name its own
  // set). While draining, keep-alive clients are told to retry elsewhere and to hang up:
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
  app.decorateRequest('session', null);
  // Fastify validates bodies by content type, so a POST with no body at all would skip it.
  app.addHook('preValidation', (request, _reply, done) => {
    const missing = request.routeOptions.schema?.body !== undefined && request.body === undefined;
    done(missing ? new ApiError(400, 'body is required: send a JSON object') : undefined);
  });

  await app.register(cookie);
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      credentials: true,
      exposedHeaders: ['Azuma-Session'],
      allowedHeaders: ['Content-Type', 'Azuma-Session'],
      methods: ['GET', 'POST'],
      maxAge: 600,
    });
  }
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, `too many attempts; retry in ${Math.ceil(context.ttl / 1000)} seconds`),
  });
  const authLimit = config.authRateLimit > 0 ? app.rateLimit({ max: config.authRateLimit, timeWindow: 60_000 }) : undefined;

  const cookies = sessionCookies(config.cookieSecure, now);
  const handlers: Handlers = createHandlers({
    version: contract.document.info.version,
    users: usersRepository(db),
    sessions,
    passwords: passwordHasher({
      params: options.scrypt ?? OWASP_SCRYPT,
      concurrency: config.hashConcurrency,
      queueLimit: config.hashQueueLimit,
    }),
    cookies,
    now,
  });
  const security = securityHandlers(sessions, cookies);
  assertEverySchemeHandled(contract.document.components.securitySchemes, security);
  const requirements = securityRequirements(contract.document);

  await app.register(openapiGlue, {
    specification: contract.document,
    // No securityHandlers for glue: each route gets security.ts's preHandler for its `security`.
    operationResolver: (operationId: string) => {
      const handler = handlers[operationId as keyof Handlers];
      if (!handler) throw new Error(`the contract names operation '${operationId}' but no handler implements it`);
      const required = requirements.get(operationId);
      if (!required) throw new Error(`operation '${operationId}' is not in the contract's paths`);
      const preHandler = securityPreHandler(required, security);
      const limited = authLimit && AUTH_OPERATIONS.has(operationId as keyof Handlers);
      // glue spreads this over the route it builds from the contract (method, url, schemas); its
      // typings ask for a complete RouteOptions, and for handlers typed on the generic request.
      return { handler, ...(preHandler && { preHandler }), ...(limited && { onRequest: authLimit }) } as unknown as RouteOptions;
    },
  });

  app.get('/openapi.yaml', (_request, reply) => reply.type('application/yaml; charset=utf-8').send(contract.text));
  app.get('/docs', { config: { securityHeaders: DOCS_HEADERS } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(docsHtml),
  );
  return app;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Security headers for this route instead of the API's. */
    securityHeaders?: SecurityHeaders;
  }
  interface FastifyInstance {
    /** Runs the expired-session sweep now; resolves to the rows deleted. */
    sweepExpiredSessions(): Promise<number>;
  }
}
