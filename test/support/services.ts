// Whether the suites that need PostgreSQL or Redis run. On a developer's machine without them
// they are skipped with the command that installs them; in CI (CI set, as .ci/run does) they run
// anyway, so a missing service fails them instead of turning them into silent passes.
import { POSTGRES_INSTALL, postgresBinDir } from '../../tools/postgres-cluster.js';
import { REDIS_INSTALL, redisServerPath } from '../../tools/redis-server.js';

export const postgresAvailable = (): boolean => postgresBinDir() !== undefined;
export const redisAvailable = (): boolean => redisServerPath() !== undefined;

const services = {
  postgres: { available: postgresAvailable, install: POSTGRES_INSTALL },
  redis: { available: redisAvailable, install: REDIS_INSTALL },
};

/**
 * True when every service named is installed, or when running in CI. Use it as
 * `describe.runIf(servicesEnabled('postgres', 'redis'))(…)`.
 */
export function servicesEnabled(...needed: (keyof typeof services)[]): boolean {
  const missing = needed.filter((name) => !services[name].available());
  if (missing.length === 0 || process.env.CI) return true;
  console.warn(
    `Skipping tests that need ${missing.join(' and ')}: not installed. ` +
      `Install with \`${missing.map((name) => services[name].install).join(' && ')}\` (.ci/run does this on its own).`,
  );
  return false;
}
