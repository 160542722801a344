import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import pino from 'pino';

/** What a log line says of a request: Fastify's default fields, the URL cut at its query string. */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.split('?')[0],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * The server's logger: pino JSON lines with credentials redacted. To stdout it writes through an
 * asynchronous destination (sonic-boom): a request never waits for the terminal or the pipe, and
 * lines written in one tick go out in one write. pino flushes it synchronously on exit, so
 * process.exit after a failure or a shutdown loses nothing; only SIGKILL loses the lines of the
 * last few milliseconds.
 */
export function createLogger(level: string, sessionHeader: string, stream?: { write(line: string): void }): FastifyBaseLogger {
  const header = sessionHeader.toLowerCase();
  return pino(
    {
      level,
      // The request serializer leaves headers out; should anyone log them, credentials stay out.
      redact: ['req.headers.cookie', `req.headers["${header}"]`, 'res.headers["set-cookie"]', `res.headers["${header}"]`],
      // The path without its query string: whatever a client puts there (a token, say) stays out of the log.
      serializers: { req: requestForLog },
    },
    stream ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * With AZUMA_ACCESS_LOG (the only time Fastify is given a logger, see app.ts): one access line per
 * request, when it is answered, with method, path, status and time taken, at info; a failure
 * writing the answer (the client gone) at error. Fastify's default is two lines, "incoming
 * request" and "request completed": in the benchmark the pair cost more CPU than the rest of a
 * GET /api/me.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
