import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

/** One caller's standing in the current fixed window, after counting the request being made. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Milliseconds until the window ends and the budget is full again. */
  resetInMs: number;
  exceeded: boolean;
}

/**
 * Counts requests per key in fixed windows that start every `windowMs` from the epoch on the
 * service's clock, so every instance (and Redis) agrees on which window a request falls in without
 * asking anyone. The in-process limiter answers synchronously, so the evaluation path pays no
 * promise for it; the Redis one is shared by every instance.
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

const windowEndAfter = (now: number, windowMs: number) => (Math.floor(now / windowMs) + 1) * windowMs;

interface Window {
  count: number;
  endsAt: number;
}

export class LocalRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly stopSweeping: () => void;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    // Callers without a key are counted by IP, so keys come and go: ended windows are dropped.
    this.stopSweeping = clock.every(windowMs, () => this.sweep());
  }

  hit(key: string): RateLimitState {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: windowEndAfter(now, this.windowMs) };
      this.windows.set(key, window);
    }
    window.count++;
    return stateOf(this.limit, window.count, window.endsAt - now);
  }

  close(): void {
    this.stopSweeping();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

// One round trip: count, and let the counter expire once its window is over (with a window's slack
// for instances whose clocks run a little behind).
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

export class RedisRateLimiter implements RateLimiter {
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    /** Told of the first failure after a success (or at start), so an outage is one log line. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  async hit(key: string): Promise<RateLimitState | undefined> {
    const now = this.clock.now();
    const endsAt = windowEndAfter(now, this.windowMs);
    try {
      const count = (await this.redis.eval(
        HIT_SCRIPT,
        1,
        `feature-flags-rate-limit:${this.name}:${key}:${endsAt}`,
        endsAt - now + this.windowMs,
      )) as number;
      this.failing = false;
      return stateOf(this.limit, count, endsAt - now);
    } catch (error) {
      // A flag service must keep answering when Redis does not: the request goes through unlimited.
      if (!this.failing) this.onFailure(error);
      this.failing = true;
      return undefined;
    }
  }

  close(): void {}
}
