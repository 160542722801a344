import type { IncomingMessage } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './http-error.js';
import { API_HEADERS, type SecurityHeaders } from './security-headers.js';

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
    const draining = () => new HttpError(503, 'the server is shutting down; retry shortly', { 'Retry-After': '1' });
    // The API's headers go on every answer from one hook that looks nothing up: reading a route's
    // config per request (request.routeOptions builds an object each time) cost more than the
    // headers. A route with headers of its own swaps them in from a hook of its own.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(API_HEADERS);
      done(closing ? draining() : undefined);
    });
    app.addHook('onRoute', (route) => {
      const own = route.config?.securityHeaders;
      if (own) route.onRequest = [ownHeaders(own), ...[route.onRequest ?? []].flat()];
    });
    // Only JSON bodies are part of the contract; without this parser text/plain answers 415
    // instead of reaching a handler unvalidated.
    app.removeContentTypeParser('text/plain');
    bodyHooks(app, () => closing);

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

/**
 * While draining, answers close their connection; an error answered before the body is in (413,
 * 415, bad JSON) drains it first: were the connection closed while the client still sends, the
 * client would see a reset instead of the answer. Fastify validates bodies by content type, so a
 * POST with no body at all would skip validation: it is refused here. JSON can spell a lone UTF-16
 * surrogate (`"\ud800"`), which no text encoding can carry: hashed as U+FFFD, such a password
 * would accept any other lone surrogate in its place. Refused before validation, in every field,
 * keys included. Only routes that take a body get that hook; a GET's body reaches no handler.
 */
function bodyHooks(app: FastifyInstance, closing: () => boolean): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing()) reply.header('connection', 'close');
    if (!request.raw.complete && !request.raw.readableEnded) return drainBody(request.raw, () => done(null, payload));
    done(null, payload);
  });
  const checkBody =
    (takesBody: boolean): preValidationHookHandler =>
    (request, _reply, done) => {
      if (takesBody && request.body === undefined) return done(new HttpError(400, 'body is required: send a JSON object'));
      const broken = illFormedText(request.body, 'body');
      done(broken ? new HttpError(400, `${broken} is not well-formed Unicode text (it holds a lone surrogate)`) : undefined);
    };
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.every((method) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS')) return;
    route.preValidation = [checkBody(route.schema?.body !== undefined), ...[route.preValidation ?? []].flat()];
  });
}

/** A route's own security headers in place of the API's, which the app-wide hook set before it. */
function ownHeaders(headers: SecurityHeaders): onRequestHookHandler {
  return (_request, reply, done) => {
    for (const name of Object.keys(API_HEADERS)) reply.removeHeader(name);
    reply.headers(headers);
    done();
  };
}

/** What the server reads and throws away of a refused body before answering; past it, the connection just closes. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;
const DRAIN_LIMIT_MS = 2_000;

/** Reads and discards the rest of a request body, bounded in bytes and time, then calls `then` once. */
function drainBody(raw: IncomingMessage, then: () => void): void {
  let read = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    raw.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
    then();
  };
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > DRAIN_LIMIT_BYTES) finish();
  };
  const timer = setTimeout(finish, DRAIN_LIMIT_MS);
  raw.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
  raw.resume();
}

// With the u flag a string is read by code points, so only a surrogate without its pair is one.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path of a string (value or key) in a JSON value that is not well-formed UTF-16, if
 * any. It walks with a stack of its own, not by recursion: a body may nest as deep as the body
 * limit allows, far deeper than the call stack, and no body may make the server fail.
 */
export function illFormedText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const pending: Array<[object, string]> = [[value, path]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, at] = next;
    for (const key of Object.keys(node)) {
      const item: unknown = (node as Record<string, unknown>)[key];
      if (LONE_SURROGATE.test(key)) return `${at}/${key}`;
      if (typeof item === 'string') {
        if (LONE_SURROGATE.test(item)) return `${at}/${key}`;
      } else if (typeof item === 'object' && item !== null) pending.push([item, `${at}/${key}`]);
    }
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Security headers for this route instead of the API's. */
    securityHeaders?: SecurityHeaders;
  }
}
