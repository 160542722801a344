import type { FastifyReply } from 'fastify';
import type { IssuedSession } from './auth/sessions.js';

export interface SessionCookies {
  set(reply: FastifyReply, session: IssuedSession): void;
}

/** `azuma_session=…; Max-Age=…; Path=/; HttpOnly; SameSite=Lax[; Secure]`, as the contract fixes. */
export function sessionCookies(secure: boolean, now: () => number): SessionCookies {
  return {
    set(reply, session) {
      reply.setCookie('azuma_session', session.token, {
        maxAge: Math.max(0, Math.round((session.expiresAt - now()) / 1000)),
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure,
      });
    },
  };
}
