import type { FastifyReply } from 'fastify';
import type { IssuedSession } from './auth/sessions.js';

export interface SessionCookies {
  set(reply: FastifyReply, session: IssuedSession): void;
}

/** `<cookie>=…; Max-Age=…; Path=/; HttpOnly; SameSite=Lax[; Secure]`, as the contract fixes; the name is the contract's. */
export function sessionCookies(name: string, secure: boolean, now: () => number): SessionCookies {
  return {
    set(reply, session) {
      reply.setCookie(name, session.token, {
        maxAge: Math.max(0, Math.round((session.expiresAt - now()) / 1000)),
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure,
      });
    },
  };
}
