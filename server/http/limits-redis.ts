// The Redis connection that lets every instance count the auth rate limit together
// (AZUMA_REDIS_URL). It must never make the API wait on Redis or fail because of it: commands fail
// at once while the connection is down and within a second when Redis hangs, and the rate limit
// then lets the request through (skipOnError in contract-routes.ts). The per-account login
// throttle is not affected: it lives in the database.
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

/** How long one rate-limit command may take before the request goes on without it. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * A connection to the Redis at `url`, once it is ready or has failed for the first time: an
 * instance started beside a working Redis counts from its first request, and one started while
 * Redis is down starts anyway (and connects when it can).
 */
export async function limitsRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  const redis = new Redis(url, {
    // Fail fast rather than queue while disconnected: a queued command would hold its request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Keep reconnecting (every 2 s at most) for as long as the server runs.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  // ioredis reports every failed reconnect: say once that Redis is gone, and once that it is back.
  let reachable: boolean | undefined;
  redis.on('ready', () => {
    if (reachable === false) log.info('Redis is reachable again: the auth rate limit is shared across instances again');
    reachable = true;
  });
  redis.on('error', (error: Error) => {
    if (reachable === false) return;
    reachable = false;
    log.warn(
      { err: error },
      'Redis is unreachable (AZUMA_REDIS_URL): the auth rate limit lets requests through uncounted until it returns',
    );
  });
  await new Promise<void>((resolve) => {
    redis.once('ready', resolve);
    redis.once('error', () => resolve());
  });
  return redis;
}
