import type { operations } from '@azuma/contract/generated/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SignedIn } from './auth/accounts.js';
import type { GuardedAccountService } from './auth/guarded-accounts.js';
import type { SessionService } from './auth/sessions.js';
import type { User } from './db/store.js';
import { ApiError, NO_SESSION_DETAIL } from './errors.js';
import type { Health } from './health.js';
import { checkIcon } from './profile.js';
import type { SessionTransport } from './session-transport.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<Op extends keyof operations> = operations[Op] extends { requestBody: infer R } ? Json<R> : undefined;
type PathParams<Op extends keyof operations> = operations[Op]['parameters'] extends { path: infer P } ? P : undefined;
type Responses<Op extends keyof operations> = operations[Op]['responses'];
/** The 200 body of the operation, or nothing for an operation that answers 204. */
type Answer<Op extends keyof operations> = 200 extends keyof Responses<Op> ? Json<Responses<Op>[200]> : undefined;

/** One method per operationId; a missing or mistyped one is a compile error, not a runtime 500. */
export type Handlers = {
  [Op in keyof operations]: (
    request: FastifyRequest<{ Body: RequestBody<Op>; Params: PathParams<Op> }>,
    reply: FastifyReply,
  ) => Promise<Answer<Op>>;
};

export interface HandlerDeps {
  version: string;
  health: Health;
  accounts: GuardedAccountService;
  sessions: SessionService;
  transport: SessionTransport;
}

/** The session a security check accepted; the contract lets no secured operation run without one. */
function signedIn(request: FastifyRequest) {
  if (!request.session) throw new ApiError(401, NO_SESSION_DETAIL);
  return request.session;
}

const userAgent = (request: FastifyRequest) => request.headers['user-agent'];

/** HTTP only: the account and session rules live in the services, the credential checks in security.ts. */
export function createHandlers({ version, health, accounts, sessions, transport }: HandlerDeps) {
  const sessionAnswer = (reply: FastifyReply, { user, session }: SignedIn): Answer<'loginUser'> => {
    transport.issue(reply, session);
    return { token: session.token, userid: { $oid: user.id }, expiration: new Date(session.expiresAt).toISOString() };
  };
  const ended = (reply: FastifyReply) => {
    reply.code(204);
    return undefined;
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const userAnswer = (user: User | undefined): Answer<'getMe'> => {
    if (!user) throw new ApiError(401, NO_SESSION_DETAIL);
    return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
  };

  return {
    async getVersion() {
      return { version };
    },

    async getLiveness() {
      return { status: 'ok' };
    },

    async getReadiness() {
      await health.ready();
      return { status: 'ok' };
    },

    async registerUser(request, reply) {
      const registration = await accounts.register(request.body.name, request.body.password, userAgent(request), request.ip);
      // A look-alike of a taken name gets the same answer as the name itself: nothing new is revealed.
      if (registration.outcome === 'taken') throw new ApiError(409, 'that name is already taken');
      if (registration.outcome === 'refused') throw new ApiError(400, `body/name is not allowed: ${registration.problem}`);
      return sessionAnswer(reply, registration.signedIn);
    },

    async loginUser(request, reply) {
      const signedIn = await accounts.login(request.body.name, request.body.password, userAgent(request), request.ip);
      if (!signedIn) throw new ApiError(401, 'wrong name or password');
      return sessionAnswer(reply, signedIn);
    },

    async getMe(request) {
      return userAnswer(await accounts.find(signedIn(request).userId));
    },

    async updateMe(request) {
      checkIcon(request.body.icon);
      return userAnswer(await accounts.updateProfile(signedIn(request).userId, request.body));
    },

    async changePassword(request, reply) {
      const { currentPassword, newPassword } = request.body;
      const { userId, passwordHash } = signedIn(request);
      const change = await accounts.changePassword(userId, currentPassword, newPassword, userAgent(request), request.ip, passwordHash);
      if (change.outcome === 'wrong') throw new ApiError(401, 'wrong current password');
      if (change.outcome === 'superseded')
        throw new ApiError(409, 'another change of the password landed first; sign in with the new password');
      return sessionAnswer(reply, change.signedIn);
    },

    async logoutUser(request, reply) {
      const session = signedIn(request);
      await sessions.end(session.userId, session.sessionId);
      transport.clear(reply, session.channel);
      return ended(reply);
    },

    async listSessions(request) {
      const { userId, sessionId } = signedIn(request);
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
      const { userId, sessionId } = signedIn(request);
      await sessions.endAllBut(userId, sessionId);
      return ended(reply);
    },

    async endSession(request, reply) {
      const session = signedIn(request);
      if (!(await sessions.end(session.userId, request.params.id))) throw new ApiError(404, 'you have no session with that id');
      // Ending the session that sent it is a logout: its successor is dead, and its cookie goes.
      if (request.params.id === session.sessionId) transport.clear(reply, session.channel);
      return ended(reply);
    },
  } satisfies Handlers;
}
