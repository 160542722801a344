// Failed sign-ins lock a name for the client that made them (RATE-2). Seeing a lock means telling
// it apart from the per-client rate limit (RATE-1), which also answers 429.
import type { Exchange } from './http.js';
import { Skipped } from './runner.js';

/**
 * Sends sign-in attempts (logins, or password changes that check the current password) one after
 * another. A 429 right after an answer that announced no rate-limit attempts left is the
 * per-client rate limit, not a lock on the name: the check cannot see past it and skips.
 */
export function signInAttempts(): (label: string, send: () => Promise<Exchange>) => Promise<Exchange> {
  let remaining: string | null = null;
  return async (label, send) => {
    const ex = await send();
    if (ex.status === 429 && remaining?.trim() === '0') {
      throw new Skipped(
        `${label} met the per-client rate limit (X-RateLimit-Remaining reached 0) before any lock on the name; run the server with that limit off or high (reference server: AZUMA_AUTH_RATE_LIMIT=0)`,
      );
    }
    remaining = ex.headers.get('X-RateLimit-Remaining');
    return ex;
  };
}
