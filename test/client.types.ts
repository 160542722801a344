// Type-level tests: `npm run typecheck` compiles this file, and tsc fails on any
// `@ts-expect-error` that has no error to suppress, so each line below is proven to be rejected.
// Nothing here runs; vitest only picks up `*.test.ts`.
import {
  type AzumaClient,
  type AzumaError,
  createAzumaClient,
  type LoginRequest,
  type PasswordChange,
  type RegisterRequest,
  type Session,
  type SessionList,
  type User,
  type UserUpdate,
  type Version,
} from '../client/index.js';
import { type MethodsOf, operationsOf } from '../client/operations.js';

declare const client: AzumaClient;
declare const error: AzumaError;

export async function wrongBodiesAndPathsDoNotCompile(): Promise<void> {
  // @ts-expect-error register needs a password
  await client.register({ name: 'alice' });
  // @ts-expect-error a password is a string
  await client.login({ name: 'alice', password: 12345678 });
  // @ts-expect-error a path the contract does not have
  await client.raw.GET('/api/users');
  // @ts-expect-error /api/me has no POST
  await client.raw.POST('/api/me', {});
  // @ts-expect-error the raw client checks bodies too
  await client.raw.POST('/api/login', { body: { name: 'alice' } });
  // @ts-expect-error and requires them where the contract does
  await client.raw.POST('/api/register');
  // @ts-expect-error only two auth modes exist
  createAzumaClient({ baseUrl: 'http://127.0.0.1:3000', auth: 'bearer' });
  // @ts-expect-error baseUrl is required
  createAzumaClient({ auth: 'cookie' });
}

export async function answersAreTypedFromTheContract(): Promise<void> {
  const me: User = await client.me();
  // @ts-expect-error icon is null until set
  me.icon.toUpperCase();
  // @ts-expect-error the id travels wrapped as { $oid }
  me._id.toUpperCase();
  const session = await client.login({ name: 'alice', password: 'x' });
  session.userid.$oid satisfies string;
  // @ts-expect-error the token getter is read-only
  client.token = 'x';

  const { data } = await client.raw.GET('/api/me');
  data?.name satisfies string | undefined;
  // @ts-expect-error no such field on User
  data?.password;
}

export function errorsAreTyped(): void {
  error.status satisfies number;
  error.detail satisfies string | undefined;
  error.response satisfies Response;
  switch (error.message) {
    case 'UNAUTHORIZED':
    case 'ALREADY_EXISTS':
    case 'UNEXPECTED_RESPONSE':
      break;
    // @ts-expect-error not a constant of the contract
    case 'Unauthorized':
      break;
  }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(..._proof: Equal<A, B> extends true ? [] : [never]) => {};

export function methodsKeepTheirSignatures(): void {
  same<AzumaClient['version'], () => Promise<Version>>();
  same<AzumaClient['register'], (body: RegisterRequest) => Promise<Session>>();
  same<AzumaClient['login'], (body: LoginRequest) => Promise<Session>>();
  same<AzumaClient['me'], () => Promise<User>>();
  same<AzumaClient['updateMe'], (body: UserUpdate) => Promise<User>>();
  same<AzumaClient['changePassword'], (body: PasswordChange) => Promise<Session>>();
  same<AzumaClient['logout'], () => Promise<void>>();
  same<AzumaClient['sessions'], () => Promise<SessionList>>();
  same<AzumaClient['endSession'], (id: string) => Promise<void>>();
  same<AzumaClient['endOtherSessions'], () => Promise<void>>();
  // @ts-expect-error the proof fails for a signature that differs
  same<AzumaClient['me'], () => Promise<Session>>();
}

// The shapes chat's operations will have, on a contract of their own: the table types them too.
export interface ChatPaths {
  '/api/channels/{channel}/messages': {
    get: {
      parameters: { query?: { cursor?: string; limit?: number }; header?: never; path: { channel: string }; cookie?: never };
      requestBody?: never;
      responses: {
        200: { headers: { Link?: string; [name: string]: unknown }; content: { 'application/json': { text: string }[] } };
        404: { headers: { [name: string]: unknown }; content: { 'application/json': { code: number } } };
      };
    };
    post: {
      parameters: { query?: never; header: { 'Idempotency-Key': string }; path: { channel: string }; cookie?: never };
      requestBody: { content: { 'application/json': { text: string } } };
      responses: {
        201: { headers: { Location: string; [name: string]: unknown }; content: { 'application/json': { id: string } } };
      };
    };
  };
  '/api/channels/{channel}/members/{member}': {
    delete: {
      parameters: { query?: never; header?: never; path: { channel: string; member: number }; cookie?: never };
      requestBody?: never;
      responses: { 204: { headers: { [name: string]: unknown }; content?: never } };
    };
  };
}
const chat = operationsOf<ChatPaths>();
const CHAT = {
  messages: chat('get', '/api/channels/{channel}/messages', { headers: ['Link'] }),
  post: chat('post', '/api/channels/{channel}/messages', { body: true, headers: ['Location'] }),
  removeMember: chat('delete', '/api/channels/{channel}/members/{member}', { noContent: true }),
};
declare const methods: MethodsOf<ChatPaths, typeof CHAT>;

export async function chatShapesAreTyped(): Promise<void> {
  const page = await methods.messages('general', { query: { limit: 50 } });
  page.data satisfies { text: string }[];
  page.headers.Link satisfies string | undefined;
  // @ts-expect-error Link is optional: the last page has none
  page.headers.Link satisfies string;
  await methods.messages('general');
  // @ts-expect-error limit is a number
  await methods.messages('general', { query: { limit: '50' } });
  const created = await methods.post('general', { text: 'hi' }, { header: { 'Idempotency-Key': 'k1' } });
  created.data.id satisfies string;
  created.headers.Location satisfies string;
  // @ts-expect-error the idempotency key is required by that contract
  await methods.post('general', { text: 'hi' });
  same<typeof methods.removeMember, (channel: string, member: number) => Promise<void>>();

  // @ts-expect-error the operation takes a body: the entry must say so
  chat('post', '/api/channels/{channel}/messages', { headers: ['Location'] });
  // @ts-expect-error a 200 with a body is not noContent
  chat('get', '/api/channels/{channel}/messages', { noContent: true });
  // @ts-expect-error an answer of 204 must be declared
  chat('delete', '/api/channels/{channel}/members/{member}');
  // @ts-expect-error a header the contract does not name
  chat('get', '/api/channels/{channel}/messages', { headers: ['Location'] });
  // @ts-expect-error no such method on that path
  chat('put', '/api/channels/{channel}/messages');
}
