import type { Redis } from 'ioredis';

/** One caller's standing in the current fixed window, after counting the request being made. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Milliseconds until the window ends and the budget is full again. */
  resetInMs: number;
  exceeded: boolean;
}

/**
 * Counts requests per key in fixed windows. The in-process limiter answers synchronously, so the
 * evaluation path pays no promise for it; the Redis one is shared by every instance.
 * `undefined` means the count could not be taken (Redis down): the request is let through.
 */
export interface RateLimiter {
  hit(key: string): RateLimitState | undefined | Promise<RateLimitState | undefined>;
  close(): void;
}

const stateOf = (limit: number, count: number, resetInMs: number): RateLimitState => ({
  limit,
  remaining: Math.max(0, limit - count),
  resetInMs,
  exceeded: count > limit,
});

interface Window {
  count: number;
  endsAt: number;
}

export class LocalRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    // Callers without a key are counted by IP, so keys come and go: ended windows are dropped.
    this.sweeper = setInterval(() => this.sweep(), windowMs).unref();
  }

  hit(key: string): RateLimitState {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return stateOf(this.limit, window.count, window.endsAt - now);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

// One round trip: count, start the window on the first request, and say how long it has left.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

export class RedisRateLimiter implements RateLimiter {
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
    /** Told of the first failure after a success (or at start), so an outage is one log line. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  async hit(key: string): Promise<RateLimitState | undefined> {
    try {
      const [count, ttl] = (await this.redis.eval(
        HIT_SCRIPT,
        1,
        `feature-flags-rate-limit:${this.name}:${key}`,
        this.windowMs,
      )) as [number, number];
      this.failing = false;
      return stateOf(this.limit, count, ttl);
    } catch (error) {
      // A flag service must keep answering when Redis does not: the request goes through unlimited.
      if (!this.failing) this.onFailure(error);
      this.failing = true;
      return undefined;
    }
  }

  close(): void {}
}
