// Liveness and readiness for load balancers (the contract's Health probes section). Liveness needs
// nothing: answering is the proof. Readiness asks the store, and says no while the instance drains
// before it stops, so a load balancer sends it no new requests while it finishes the ones it has.
import { fail } from '../../handlers.js';

/** A store that has not answered a ping in this long counts as unreachable: a probe must not hang. */
export const PING_TIMEOUT_MS = 2000;

export interface Health {
  /** Resolves when the instance can serve; otherwise throws the 503 the contract documents. */
  ready(): Promise<void>;
  /** From now on readiness answers 503: the instance is about to stop. */
  startDraining(): void;
}

/**
 * `ping` asks the store a trivial question; `warn` hears why a readiness check failed (the probe's
 * answer says only which part is down, never internals).
 */
export function healthState(ping: () => Promise<void>, warn: (message: string, error: unknown) => void): Health {
  let draining = false;
  return {
    async ready() {
      if (draining) throw fail('getReadiness', 503, 'the instance is draining before it stops; send requests to another', RETRY);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([ping(), timeout]);
      } catch (error) {
        warn('readiness: the database does not answer', error);
        throw fail('getReadiness', 503, 'the database is unreachable', RETRY);
      } finally {
        clearTimeout(timer);
      }
    },
    startDraining() {
      draining = true;
    },
  };
}

const RETRY = { 'Retry-After': '1' };
