import type { FastifyReply, FastifyRequest } from 'fastify';
import type { operations } from '../generated/openapi.js';
import type { AccountService, SignedIn } from './auth/accounts.js';
import type { SessionCookies } from './cookies.js';
import { ApiError, NO_SESSION_DETAIL } from './errors.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<Op extends keyof operations> = operations[Op] extends { requestBody: infer R } ? Json<R> : undefined;
type Ok<Op extends keyof operations> = Json<operations[Op]['responses'][200]>;

/** One method per operationId; a missing or mistyped one is a compile error, not a runtime 500. */
export type Handlers = {
  [Op in keyof operations]: (request: FastifyRequest<{ Body: RequestBody<Op> }>, reply: FastifyReply) => Promise<Ok<Op>>;
};

export interface HandlerDeps {
  version: string;
  accounts: AccountService;
  cookies: SessionCookies;
}

/** HTTP only: the account rules live in the accounts service, the credential checks in security.ts. */
export function createHandlers({ version, accounts, cookies }: HandlerDeps) {
  const sessionAnswer = (reply: FastifyReply, { user, session }: SignedIn): Ok<'loginUser'> => {
    cookies.set(reply, session);
    return { token: session.token, userid: { $oid: user.id }, expiration: new Date(session.expiresAt).toISOString() };
  };

  return {
    async getVersion() {
      return { version };
    },

    async registerUser(request, reply) {
      const signedIn = await accounts.register(request.body.name, request.body.password);
      if (!signedIn) throw new ApiError(409, 'that name is already taken');
      return sessionAnswer(reply, signedIn);
    },

    async loginUser(request, reply) {
      const signedIn = await accounts.login(request.body.name, request.body.password);
      if (!signedIn) throw new ApiError(401, 'wrong name or password');
      return sessionAnswer(reply, signedIn);
    },

    async getMe(request) {
      const user = request.session ? accounts.find(request.session.userId) : undefined;
      if (!user) throw new ApiError(401, NO_SESSION_DETAIL);
      return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
    },
  } satisfies Handlers;
}
