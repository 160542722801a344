import { fail, type Handlers } from '../../handlers.js';
import { sessionOf } from '../../http/security.js';
import type { SessionTransport } from '../../http/session-transport.js';
import type { SessionService } from './service.js';

export interface SessionDeps {
  sessions: SessionService;
  transport: SessionTransport;
}

/** The operations tagged Sessions: logout, the session list and ending sessions. */
export type SessionHandlers = Pick<Handlers, 'logoutUser' | 'listSessions' | 'endOtherSessions' | 'endSession'>;

const iso = (ms: number) => new Date(ms).toISOString();

/** HTTP only: the session rules live in the service, the credential checks in http/security.ts. */
export function sessionHandlers({ sessions, transport }: SessionDeps): SessionHandlers {
  return {
    async logoutUser(request, reply) {
      const session = sessionOf(request);
      await sessions.end(session.userId, session.sessionId);
      transport.clear(reply, session.channel);
      reply.code(204);
      return undefined;
    },

    async listSessions(request) {
      const { userId, sessionId } = sessionOf(request);
      return {
        sessions: (await sessions.list(userId)).map((s) => ({
          id: s.id,
          created: iso(s.createdAt),
          // To the minute, as the contract promises (finer would only look precise), but never
          // before the session began.
          lastUsed: iso(Math.max(s.createdAt, s.lastUsedAt - (s.lastUsedAt % 60_000))),
          expiration: iso(s.expiresAt),
          absoluteExpiration: iso(s.endsAt),
          userAgent: s.userAgent,
          current: s.id === sessionId,
        })),
      };
    },

    async endOtherSessions(request, reply) {
      const { userId, sessionId } = sessionOf(request);
      await sessions.endAllBut(userId, sessionId);
      reply.code(204);
      return undefined;
    },

    async endSession(request, reply) {
      const session = sessionOf(request);
      if (!(await sessions.end(session.userId, request.params.id))) throw fail('endSession', 404, 'you have no session with that id');
      // Ending the session that sent it is a logout: its successor is dead, and its cookie goes.
      if (request.params.id === session.sessionId) transport.clear(reply, session.channel);
      reply.code(204);
      return undefined;
    },
  };
}
