import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRateLimiter, RedisRateLimiter } from '../../src/services/rate-limiter.js';

describe('LocalRateLimiter', () => {
  it('counts per key within a fixed window and starts afresh when it ends', () => {
    let now = 1_000_000;
    const limiter = new LocalRateLimiter(2, 60_000, () => now);
    try {
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 1, resetInMs: 60_000, exceeded: false });
      now += 1_000;
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 0, resetInMs: 59_000, exceeded: false });
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 0, resetInMs: 59_000, exceeded: true });
      // Another caller has its own budget.
      expect(limiter.hit('b').exceeded).toBe(false);
      now += 59_000;
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 1, resetInMs: 60_000, exceeded: false });
    } finally {
      limiter.close();
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('RedisRateLimiter', () => {
  const redis = new Redis(redisUrl ?? '');
  afterAll(() => redis.disconnect());

  it('counts in Redis, so every limiter on the same name shares the budget, and the window expires', async () => {
    const name = `test-${randomUUID()}`;
    const one = new RedisRateLimiter(redis, name, 2, 300);
    const other = new RedisRateLimiter(redis, name, 2, 300);
    const first = await one.hit('key');
    expect(first).toMatchObject({ limit: 2, remaining: 1, exceeded: false });
    expect(first!.resetInMs).toBeGreaterThan(0);
    expect(first!.resetInMs).toBeLessThanOrEqual(300);
    expect(await other.hit('key')).toMatchObject({ remaining: 0, exceeded: false });
    expect(await one.hit('key')).toMatchObject({ remaining: 0, exceeded: true });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await other.hit('key')).toMatchObject({ remaining: 1, exceeded: false });
  });

  it('lets requests through (undefined) while Redis cannot be reached, and reports that once', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    unreachable.on('error', () => undefined);
    try {
      const failures: unknown[] = [];
      const limiter = new RedisRateLimiter(unreachable, 'down', 1, 1000, (error) => failures.push(error));
      expect(await limiter.hit('key')).toBeUndefined();
      expect(await limiter.hit('key')).toBeUndefined();
      // One report per outage, not one per request.
      expect(failures).toHaveLength(1);
    } finally {
      unreachable.disconnect();
    }
  });
});
