// Type-level tests: `npm run typecheck` compiles this file, and tsc fails on any
// `@ts-expect-error` that has no error to suppress, so each line below is proven to be rejected.
// Nothing here runs; vitest only picks up `*.test.ts`.
import { type AzumaClient, type AzumaError, createAzumaClient, type User } from '../client/index.js';

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
