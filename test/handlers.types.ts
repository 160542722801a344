// Type-level checks, proven by `npm run typecheck`: each @ts-expect-error must be needed.
import type { Handlers } from '../server/handlers.js';

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
