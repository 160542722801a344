import type { Handlers } from '../../handlers.js';
import type { Health } from './service.js';

export interface HealthDeps {
  /** The contract's version, which GET /api/ answers. */
  version: string;
  health: Health;
}

/** The operations tagged API and Health: the version, liveness and readiness. */
export type HealthHandlers = Pick<Handlers, 'getVersion' | 'getLiveness' | 'getReadiness'>;

export function healthHandlers({ version, health }: HealthDeps): HealthHandlers {
  return {
    async getVersion() {
      return { version };
    },

    async getLiveness() {
      return { status: 'ok' };
    },

    async getReadiness() {
      await health.ready();
      return { status: 'ok' };
    },
  };
}
