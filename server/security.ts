import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedSession, SessionService } from './auth/sessions.js';
import type { SessionCookies } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a security handler once a session token has been accepted. */
    session: AuthenticatedSession | null;
  }
}

const HEADER = 'azuma-session';
const COOKIE = 'azuma_session';
/**
 * What a scheme throws when its credential is missing or dead, so that glue tries the next one.
 * One shared instance: every header-authenticated request passes through a failing cookieAuth
 * first, and building an Error (capturing its stack) there cost about a tenth of /api/me's CPU,
 * two thirds of the session lookup itself (benchmark CPU profile). glue only reads its
 * statusCode and message.
 */
const NO_SESSION = Object.freeze(Object.assign(new Error('no live session token'), { statusCode: 401 }));

/**
 * One handler per securityScheme of the contract. fastify-openapi-glue tries the schemes of an
 * operation in the order the contract lists them (cookie, then header) and takes the first that
 * does not throw: a live cookie therefore wins over a header, and a dead cookie falls through.
 * Fastify validates no cookies, so each handler checks the token itself.
 */
export function securityHandlers(sessions: SessionService, cookies: SessionCookies) {
  const accept = (request: FastifyRequest, token: string | undefined) => {
    const session = token === undefined ? undefined : sessions.authenticate(token);
    if (!session) throw NO_SESSION;
    request.session = session;
    return session.successor;
  };
  return {
    cookieAuth(request: FastifyRequest, reply: FastifyReply) {
      const successor = accept(request, request.cookies[COOKIE]);
      if (successor) cookies.set(reply, successor);
    },
    headerAuth(request: FastifyRequest, reply: FastifyReply) {
      const value = request.headers[HEADER];
      const successor = accept(request, typeof value === 'string' ? value : undefined);
      if (successor) reply.header('Azuma-Session', successor.token);
    },
  } satisfies Record<string, (request: FastifyRequest, reply: FastifyReply) => void>;
}

export type SecurityHandlers = ReturnType<typeof securityHandlers>;

/** glue lets a request through when a scheme has no handler; refuse to start instead. */
export function assertEverySchemeHandled(schemes: Record<string, unknown>, handlers: object): void {
  const missing = Object.keys(schemes).filter((name) => !(name in handlers));
  if (missing.length > 0) throw new Error(`no security handler for scheme(s): ${missing.join(', ')}`);
}

