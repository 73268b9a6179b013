import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRateLimiter, RedisRateLimiter } from '../../src/services/rate-limiter.js';
import { ManualClock } from '../support/manual-clock.js';

describe('LocalRateLimiter', () => {
  it('counts per key within a fixed window of the clock and starts afresh when it ends', async () => {
    // A minute's windows start on the minute; this clock stands 1 s into one.
    const clock = new ManualClock(Date.parse('2026-12-01T12:00:01.000Z'));
    const limiter = new LocalRateLimiter(2, 60_000, clock);
    try {
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 1, resetInMs: 59_000, exceeded: false });
      await clock.advance(1_000);
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 0, resetInMs: 58_000, exceeded: false });
      expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 0, resetInMs: 58_000, exceeded: true });
      // Another caller has its own budget.
      expect(limiter.hit('b').exceeded).toBe(false);
      await clock.advance(58_000);
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

  it('counts in Redis, so every limiter on the same name shares the budget, and the window ends on the clock', async () => {
    const name = `test-${randomUUID()}`;
    // Two instances whose clocks agree, 100 ms into a 300 ms window.
    const clock = new ManualClock(Date.parse('2026-12-01T12:00:00.100Z'));
    const one = new RedisRateLimiter(redis, name, 2, 300, clock);
    const other = new RedisRateLimiter(redis, name, 2, 300, clock);
    expect(await one.hit('key')).toEqual({ limit: 2, remaining: 1, resetInMs: 200, exceeded: false });
    expect(await other.hit('key')).toMatchObject({ remaining: 0, exceeded: false });
    await clock.advance(199);
    expect(await one.hit('key')).toEqual({ limit: 2, remaining: 0, resetInMs: 1, exceeded: true });
    await clock.advance(1);
    expect(await other.hit('key')).toEqual({ limit: 2, remaining: 1, resetInMs: 300, exceeded: false });
    // Redis forgets each window's counter on its own once the window is over.
    const ttls = await Promise.all(
      (await redis.keys(`feature-flags-rate-limit:${name}:*`)).map((key) => redis.pttl(key)),
    );
    expect(ttls).toHaveLength(2);
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(0);
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
      const limiter = new RedisRateLimiter(unreachable, 'down', 1, 1000, new ManualClock(), (error) =>
        failures.push(error),
      );
      expect(await limiter.hit('key')).toBeUndefined();
      expect(await limiter.hit('key')).toBeUndefined();
      // One report per outage, not one per request.
      expect(failures).toHaveLength(1);
    } finally {
      unreachable.disconnect();
    }
  });
});
