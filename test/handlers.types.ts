// Type-level checks, proven by `npm run typecheck`: each @ts-expect-error must be needed.
import { answerWith, fail, type Handlers, type HandlersOf } from '../server/handlers.js';

declare const withoutGetMe: Omit<Handlers, 'getMe'>;
// @ts-expect-error a handler map missing an operation of the contract does not compile
export const incomplete: Handlers = withoutGetMe;

declare const complete: Handlers;
export const wrongShape: Handlers = {
  ...complete,
  // @ts-expect-error a handler must answer the contract's 200 body (version is a string)
  getVersion: async () => ({ version: 1 }),
};

export const noWrapper: Handlers = {
  ...complete,
  // @ts-expect-error ids travel wrapped as {"$oid": …}, as the reference shows
  getMe: async () => ({ _id: '5e626bd89158f3ecad052a8e', name: 'user1', icon: null, status: null }),
};

// A status the contract does not document for the operation is a type error, not a silent 400.
// @ts-expect-error getMe documents no 403
fail('getMe', 403, 'not yours');
fail('getMe', 401, 'a live session token is required');

export const undocumentedSuccess: Handlers = {
  ...complete,
  getVersion: async (_request, reply) => {
    // @ts-expect-error getVersion documents 200 only: a 201 is no answer of it
    reply.code(201);
    return { version: '1' };
  },
};

// An operation of the shape chat needs (a cursor in the query, an idempotency key, a 201 with
// Location) fits the same types: nothing in them is particular to today's operations.
interface PostMessage {
  parameters: {
    query: { limit?: number };
    header: { 'Idempotency-Key': string };
    path: { channel: string };
    cookie?: never;
  };
  requestBody: { content: { 'application/json': { text: string } } };
  responses: {
    201: { headers: { Location: string; Link?: string; [name: string]: unknown }; content: { 'application/json': { id: string } } };
    409: { headers: { [name: string]: unknown }; content: { 'application/json': { code: 409 } } };
  };
}
export const postMessage: HandlersOf<{ postMessage: PostMessage }> = {
  postMessage: async (request, reply) => {
    const limit: number | undefined = request.query.limit;
    const key: string = request.headers['idempotency-key'];
    void [limit, key, request.params.channel, request.body.text];
    answerWith(reply, 201, { Location: '/api/channels/general/messages/1' });
    // @ts-expect-error Location is documented as a string
    answerWith(reply, 201, { Location: 1 });
    return { id: '1' };
  },
};
