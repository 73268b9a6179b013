import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { RateLimitState } from '../areas/health/health-service.js';
import type { Config } from '../config.js';

/** Where the rate limits count: in this process, or in Redis so that they hold across instances. */
export interface RateLimitStore {
  redis: Redis | undefined;
  /** What /health and /metrics report of the limits. */
  state(): RateLimitState;
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimitStore: RateLimitStore;
  }
}

/**
 * A Redis that is down or stalled must not hold requests up: commands fail at once while it is
 * unreachable and after 100 ms while it does not answer, and the limits are then skipped.
 */
function connectRedis(url: string, log: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 100,
  });
  let reported = false;
  redis.on('error', (error) => {
    if (!reported) log.warn({ err: error }, 'Redis unreachable; rate limits are not enforced until it is back');
    reported = true;
  });
  redis.on('ready', () => (reported = false));
  return redis;
}

export const rateLimitStorePlugin = fp<{ config: Pick<Config, 'redisUrl' | 'rateLimits'> }>(
  async (app, { config }) => {
    const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, app.log);
    const { evaluations, writes, failedAuthentications } = config.rateLimits;
    const state = (): RateLimitState =>
      evaluations === 0 && writes === 0 && failedAuthentications === 0
        ? 'off'
        : redis === undefined
          ? 'memory'
          : redis.status === 'ready'
            ? 'redis'
            : 'redis-unreachable';
    app.decorate('rateLimitStore', { redis, state });
    app.addHook('onClose', async () => redis?.disconnect());
  },
  { name: 'rate-limit-store' },
);
