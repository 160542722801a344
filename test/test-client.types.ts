// Type tests of the tests' own client (test/support/api.ts), checked by `npm run typecheck`: what
// the contract does not have fails to compile, so a test cannot send it by a typo.
import type { FastifyInstance } from 'fastify';
import { api } from './support/api.js';
import { expectError } from './support/contract.js';

declare const app: FastifyInstance;
const client = api(app);

void client.get('/api/me', { token: 'a token' });
void client.post('/api/register', { body: { name: 'a', password: 'a password' } });
void client.delete('/api/me/sessions/{id}', { params: { id: 'an id' } });
// A body the contract refuses is sent on purpose, to a path it has.
void client.post('/api/register', { uncheckedBody: [] });
void api('http://127.0.0.1:3000')
  .get('/api/')
  .then((res: Response) => res.status);
void client.get('/api/me').then((res) => expectError(res, 401));

// @ts-expect-error a path the contract does not have
void client.get('/api/mee');
// @ts-expect-error a method the path does not have
void client.delete('/api/register');
// @ts-expect-error a path parameter left out
void client.delete('/api/me/sessions/{id}');
// @ts-expect-error a body without a required field
void client.post('/api/register', { body: { name: 'a' } });
// @ts-expect-error a body for an operation that takes none
void client.get('/api/me', { body: { name: 'a' } });
// @ts-expect-error a status whose message the contract does not pin
void client.get('/api/me').then((res) => expectError(res, 418));
