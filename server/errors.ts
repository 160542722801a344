import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { components } from '../generated/openapi.js';

export type ErrorBody = components['schemas']['Error'];
type ErrorMessage = ErrorBody['message'];

const MESSAGES: Record<number, ErrorMessage> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** The 401 detail for a request no live session token opened, by cookie or header. */
export const NO_SESSION_DETAIL = 'a live session token is required, by cookie or header';

/** An error a handler means to send: status and detail are safe to show the client. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? MESSAGES[statusCode]);
  }
}

/**
 * The status to send for a failure: one of the contract's constants. A 4xx with no constant of
 * its own (405, 408, 431, …) is sent as 400, so `code` always equals the HTTP status.
 */
function contractStatus(status: number): number {
  if (MESSAGES[status]) return status;
  return status >= 400 && status < 500 ? 400 : 500;
}

export function errorBody(status: number, detail?: string): ErrorBody {
  const code = contractStatus(status);
  return detail === undefined ? { code, message: MESSAGES[code]! } : { code, message: MESSAGES[code]!, detail };
}

function sendError(reply: FastifyReply, status: number, detail?: string) {
  const body = errorBody(status, detail);
  return reply.code(body.code).send(body);
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

/** One error shape from every layer: validation, security, body parsing, routing and crashes. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[]; headers?: Record<string, string> }, request, reply) => {
    if (error instanceof ApiError) {
      return sendError(reply.headers(error.headers), error.statusCode, error.detail);
    }
    if (error.validation) {
      return sendError(reply, 400, validationDetail(error.validationContext, error.validation[0]));
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) {
      const detail = known.status === 413 ? `the body is larger than ${bodyLimit} bytes` : known.detail(error);
      return sendError(reply, known.status, detail);
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      // The message of a server-side failure may name internals: log it, never send it.
      request.log.error({ err: error }, 'unhandled error');
      return sendError(reply, status);
    }
    // Other 4xx raised by Fastify itself; its own message names no internals.
    return sendError(reply, status, error.message);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!.slice(0, 200);
    void sendError(reply, 404, `no route for ${request.method} ${path}`);
  });
}

/**
 * Failures Node's HTTP parser meets before Fastify sees a request (oversized headers, garbage):
 * answered in the one error shape too, then the socket is closed as Node would.
 */
export function clientErrorHandler(maxHeaderSize: number) {
  return (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const detail =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? `the request headers are larger than ${maxHeaderSize} bytes`
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'the request took too long to arrive'
          : 'the request is not valid HTTP';
    const body = JSON.stringify(errorBody(400, detail));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
