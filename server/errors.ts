import type { Socket } from 'node:net';
import type { components } from '@azuma/contract/generated/openapi';
import type { FastifyError, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './http/http-error.js';

export type ErrorBody = components['schemas']['Error'];

/** Builds error bodies; the one place a status becomes its contract constant. */
export type ErrorBodies = (status: number, detail?: string) => ErrorBody;

/**
 * Error bodies with the constants the contract pins per status. A 4xx with no constant of its own
 * (405, 408, 431, …) is sent as 400, anything else as 500, so `code` always equals the status.
 */
export function errorBodies(messages: ReadonlyMap<number, string>): ErrorBodies {
  const known = (status: number) => (messages.has(status) ? status : status >= 400 && status < 500 ? 400 : 500);
  for (const status of [400, 500]) {
    if (!messages.has(status)) throw new Error(`the contract pins no error constant for ${status}`);
  }
  return (status, detail) => {
    const code = known(status);
    // The contract's own map: the generated union type and these values come from one file.
    const message = messages.get(code) as ErrorBody['message'];
    return detail === undefined ? { code, message } : { code, message, detail };
  };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Names the field and the rule it broke, e.g. `body/password must NOT have fewer than 8 characters`. */
function validationDetail(context: string | undefined, issue: ValidationIssue | undefined): string {
  if (!issue) return 'the request does not match the contract';
  let where = `${context ?? 'request'}${issue.instancePath}`;
  if (issue.params && typeof issue.params.additionalProperty === 'string') {
    where += `/${issue.params.additionalProperty}`;
    return `${where} is not allowed`;
  }
  return `${where} ${issue.message ?? 'is invalid'}`;
}

/** Known Fastify failures, by code, with text for the client (never the internal message). */
const FASTIFY_ERRORS: Record<string, { status: number; detail: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: () => 'the body must be application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, detail: () => 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: () => 'the body is too large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, detail: () => 'the body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: () => 'the body is not valid JSON' },
};

/**
 * The one error shape from every layer: validation, security, body parsing, routing and crashes.
 * A plugin without encapsulation, so its handlers serve the whole app.
 */
export const errorShape = fp<{ bodies: ErrorBodies; bodyLimit: number }>(
  async (app, { bodies, bodyLimit }) => {
    const send = (reply: FastifyReply, status: number, detail?: string) => {
      const body = bodies(status, detail);
      return reply.code(body.code).send(body);
    };
    app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[] }, request, reply) => {
      // Every error that says its own answer, whichever domain threw it.
      if (error instanceof HttpError) {
        if (error.logAs) app.log.error({ err: error, req: request, reqId: request.id }, error.logAs);
        return send(reply.headers(error.headers), error.statusCode, error.detail);
      }
      if (error.validation) return send(reply, 400, validationDetail(error.validationContext, error.validation[0]));
      const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
      if (known) {
        const detail = known.status === 413 ? `the body is larger than ${bodyLimit} bytes` : known.detail(error);
        return send(reply, known.status, detail);
      }
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) {
        // The message of a server-side failure may name internals: log it, never send it.
        app.log.error({ err: error, req: request, reqId: request.id }, 'unhandled error');
        return send(reply, status);
      }
      // Other 4xx raised by Fastify itself; its own message names no internals.
      return send(reply, status, error.message);
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0]!.slice(0, 200);
      void send(reply, 404, `no route for ${request.method} ${path}`);
    });
  },
  { name: 'azuma-error-shape' },
);

/**
 * Failures Node's HTTP parser meets before Fastify sees a request (oversized headers, garbage):
 * answered in the one error shape too, then the socket is closed as Node would.
 */
export function clientErrorHandler(bodies: ErrorBodies, maxHeaderSize: number) {
  return (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const detail =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? `the request headers are larger than ${maxHeaderSize} bytes`
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'the request took too long to arrive'
          : 'the request is not valid HTTP';
    const body = JSON.stringify(bodies(400, detail));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
