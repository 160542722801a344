import type { operations } from '@azuma/contract/generated/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Answer, fail, type Handlers } from '../../handlers.js';
import { NO_SESSION_DETAIL, sessionOf } from '../../http/security.js';
import type { SessionTransport } from '../../http/session-transport.js';
import type { GuardedAccountService } from './guarded-service.js';
import { checkIcon } from './profile.js';
import type { User } from './repository.js';
import type { SignedIn } from './service.js';

export interface AccountDeps {
  accounts: GuardedAccountService;
  transport: SessionTransport;
}

/** The operations tagged User: registration, sign-in, the profile and the password. */
export type AccountHandlers = Pick<Handlers, 'registerUser' | 'loginUser' | 'getMe' | 'updateMe' | 'changePassword'>;

const userAgent = (request: FastifyRequest) => request.headers['user-agent'];

/** HTTP only: the account rules live in the services, the credential checks in http/security.ts. */
export function accountHandlers({ accounts, transport }: AccountDeps): AccountHandlers {
  const sessionAnswer = (reply: FastifyReply, { user, session }: SignedIn): Answer<operations['loginUser']> => {
    transport.issue(reply, session);
    return { token: session.token, userid: { $oid: user.id }, expiration: new Date(session.expiresAt).toISOString() };
  };
  const userAnswer = (operation: 'getMe' | 'updateMe', user: User | undefined): Answer<operations['getMe']> => {
    if (!user) throw fail(operation, 401, NO_SESSION_DETAIL);
    return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
  };

  return {
    async registerUser(request, reply) {
      const registration = await accounts.register(request.body.name, request.body.password, userAgent(request), request.ip);
      // A look-alike of a taken name gets the same answer as the name itself: nothing new is revealed.
      if (registration.outcome === 'taken') throw fail('registerUser', 409, 'that name is already taken');
      if (registration.outcome === 'refused') throw fail('registerUser', 400, `body/name is not allowed: ${registration.problem}`);
      return sessionAnswer(reply, registration.signedIn);
    },

    async loginUser(request, reply) {
      const signedIn = await accounts.login(request.body.name, request.body.password, userAgent(request), request.ip);
      if (!signedIn) throw fail('loginUser', 401, 'wrong name or password');
      return sessionAnswer(reply, signedIn);
    },

    async getMe(request) {
      return userAnswer('getMe', await accounts.find(sessionOf(request).userId));
    },

    async updateMe(request) {
      checkIcon(request.body.icon);
      return userAnswer('updateMe', await accounts.updateProfile(sessionOf(request).userId, request.body));
    },

    async changePassword(request, reply) {
      const { currentPassword, newPassword } = request.body;
      const { userId, passwordHash } = sessionOf(request);
      const change = await accounts.changePassword(userId, currentPassword, newPassword, userAgent(request), request.ip, passwordHash);
      if (change.outcome === 'wrong') throw fail('changePassword', 401, 'wrong current password');
      if (change.outcome === 'superseded')
        throw fail('changePassword', 409, 'another change of the password landed first; sign in with the new password');
      return sessionAnswer(reply, change.signedIn);
    },
  };
}
