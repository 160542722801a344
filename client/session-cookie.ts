// Node's fetch keeps no cookies, so cookie mode keeps the one cookie Azuma uses (the contract's
// session cookie) by hand.
// In a browser, Set-Cookie is never visible to scripts and Cookie cannot be set by them: these
// helpers then find nothing and change nothing, and the browser's own jar does the work.

import { SESSION_COOKIE } from '@azuma/contract/generated/contract-facts';

/**
 * The session cookie's value a response sets, if any; the last one wins, as in a browser. An
 * empty string means the response cleared it (logout).
 */
export function sessionCookieFromResponse(headers: Headers): string | undefined {
  let found: string | undefined;
  // getSetCookie keeps the lines apart. Browsers never expose Set-Cookie, so where an older one
  // lacks the method there is nothing to miss.
  const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  for (const line of lines) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    found = pair.slice(eq + 1).trim();
  }
  return found;
}

/** The session cookie's value a request carries in its `Cookie` header, if any. */
export function sessionFromCookieHeader(cookie: string | null): string | undefined {
  for (const pair of (cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq >= 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** Adds the session cookie to a `Cookie` header, keeping any other cookies the app set. */
export function withSessionCookie(cookie: string | null, token: string): string {
  const pair = `${SESSION_COOKIE}=${token}`;
  return cookie ? `${cookie}; ${pair}` : pair;
}
