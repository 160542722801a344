import type { FastifyReply } from 'fastify';
import type { IssuedSession } from '../domains/sessions/service.js';

/** How a request was authenticated: by the contract's session cookie or by its session header. */
export type Channel = 'cookie' | 'header';

/** Puts session tokens on a reply, or takes them off, on the channels the contract names. */
export interface SessionTransport {
  /** A new session (register, login, password change): the cookie, and no stale successor header. */
  issue(reply: FastifyReply, session: IssuedSession): void;
  /** A successor, on the channel that authenticated the request. */
  successor(reply: FastifyReply, channel: Channel, session: IssuedSession): void;
  /** The session has ended: no successor goes out, and a cookie session's cookie is cleared. */
  clear(reply: FastifyReply, channel: Channel): void;
}

/**
 * `<cookie>=…; Max-Age=…; Path=/; HttpOnly; SameSite=Lax[; Secure]` and the session header, as the
 * contract fixes them; both names are the contract's.
 */
export function sessionTransport(names: { cookie: string; header: string }, secure: boolean, now: () => number): SessionTransport {
  const cookie = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.setCookie(names.cookie, value, { maxAge, path: '/', httpOnly: true, sameSite: 'lax', secure });
  const lifetime = (session: IssuedSession) => Math.max(0, Math.round((session.expiresAt - now()) / 1000));
  return {
    issue(reply, session) {
      reply.removeHeader(names.header);
      cookie(reply, session.token, lifetime(session));
    },
    successor(reply, channel, session) {
      if (channel === 'cookie') cookie(reply, session.token, lifetime(session));
      else reply.header(names.header, session.token);
    },
    clear(reply, channel) {
      reply.removeHeader(names.header);
      // @fastify/cookie keeps one Set-Cookie per name and path: this replaces a successor's.
      if (channel === 'cookie') cookie(reply, '', 0);
    },
  };
}
