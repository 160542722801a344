import type { FastifyReply, FastifyRequest } from 'fastify';
import type { operations } from '../generated/openapi.js';
import type { IssuedSession, SessionService } from './auth/sessions.js';
import { HashingBusyError, type PasswordHasher } from './auth/passwords.js';
import type { SessionCookies } from './cookies.js';
import type { UsersRepository } from './db/users.js';
import { ApiError, NO_SESSION_DETAIL } from './errors.js';
import { newObjectId } from './ids.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<Op extends keyof operations> = operations[Op] extends { requestBody: infer R } ? Json<R> : undefined;
type Ok<Op extends keyof operations> = Json<operations[Op]['responses'][200]>;

/** One method per operationId; a missing or mistyped one is a compile error, not a runtime 500. */
export type Handlers = {
  [Op in keyof operations]: (
    request: FastifyRequest<{ Body: RequestBody<Op> }>,
    reply: FastifyReply,
  ) => Promise<Ok<Op>>;
};

export interface HandlerDeps {
  version: string;
  users: UsersRepository;
  sessions: SessionService;
  passwords: PasswordHasher;
  cookies: SessionCookies;
  now: () => number;
}

/**
 * The case-insensitive identity of a name: `Alice` and `alice` are one account. Upper- then
 * lower-casing approximates Unicode full case folding, which plain lower-casing misses
 * (`STRASSE` ~ `straße`, final `ς` ~ `σ`).
 */
export const nameKey = (name: string) => name.normalize('NFC').toUpperCase().toLowerCase();

const WRONG_CREDENTIALS = 'wrong name or password';

async function hashing<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof HashingBusyError) {
      throw new ApiError(503, 'the server is busy hashing passwords; retry in 1 second', { 'Retry-After': '1' });
    }
    throw error;
  }
}

export function createHandlers({ version, users, sessions, passwords, cookies, now }: HandlerDeps) {
  const startSession = (reply: FastifyReply, userId: string): Ok<'loginUser'> => {
    const session: IssuedSession = sessions.issue(userId);
    cookies.set(reply, session);
    return { token: session.token, userid: { $oid: userId }, expiration: new Date(session.expiresAt).toISOString() };
  };

  return {
    async getVersion() {
      return { version };
    },

    async registerUser(request, reply) {
      const { name, password } = request.body;
      const key = nameKey(name);
      // Cheap early answer for a taken name; the unique index below still decides races.
      if (users.findByNameKey(key)) throw new ApiError(409, 'that name is already taken');
      const passwordHash = await hashing(passwords.hash(password));
      const id = newObjectId(now());
      if (!users.insert({ id, name, nameKey: key, passwordHash, createdAt: now() })) {
        throw new ApiError(409, 'that name is already taken');
      }
      return startSession(reply, id);
    },

    async loginUser(request, reply) {
      const { name, password } = request.body;
      const user = users.findByNameKey(nameKey(name));
      // An unknown name costs one full hash too, so timing does not tell which names exist.
      const ok = user
        ? await hashing(passwords.verify(password, user.password_hash))
        : await hashing(passwords.verifyDummy(password));
      if (!user || !ok) throw new ApiError(401, WRONG_CREDENTIALS);
      return startSession(reply, user.id);
    },

    async getMe(request) {
      const user = request.session ? users.findById(request.session.userId) : undefined;
      if (!user) throw new ApiError(401, NO_SESSION_DETAIL);
      return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
    },
  } satisfies Handlers;
}
