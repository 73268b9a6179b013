import { describe, expect, it } from 'vitest';
import { isKnownEvent, matchesEvent, retryDelayMs } from '../../src/core/webhooks.js';

describe('webhook events and retries', () => {
  it('matches an action by itself, by its kind, or by "*"', () => {
    expect(matchesEvent(['flag.updated'], 'flag.updated')).toBe(true);
    expect(matchesEvent(['flag.updated'], 'flag.deleted')).toBe(false);
    expect(matchesEvent(['segment.*'], 'segment.deleted')).toBe(true);
    expect(matchesEvent(['segment.*'], 'flag.updated')).toBe(false);
    expect(matchesEvent(['*'], 'api_key.revoked')).toBe(true);
    // A kind is the part before the dot, not a prefix.
    expect(matchesEvent(['flag.*'], 'flags.updated')).toBe(false);
  });

  it('knows the patterns that can match something the audit log records', () => {
    for (const pattern of ['*', 'flag.*', 'webhook.*', 'flag.promoted', 'environment.promoted']) {
      expect(isKnownEvent(pattern), pattern).toBe(true);
    }
    for (const pattern of ['flag.update', 'flags.*', 'webhook.ping'])
      expect(isKnownEvent(pattern), pattern).toBe(false);
  });

  it('waits 5 s after the first failure, doubling to an hour, with jitter between half and all of it', () => {
    const ceilings = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600].map((s) => s * 1000);
    ceilings.forEach((ceiling, i) => {
      expect(retryDelayMs(i + 1, 0), `attempt ${i + 1}`).toBe(ceiling / 2);
      expect(retryDelayMs(i + 1, 0.9999999), `attempt ${i + 1}`).toBe(ceiling);
    });
    // Tried for 24 hours: about 30 attempts at the longest waits.
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600_000) elapsed += retryDelayMs(++attempts, 1);
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(40);
  });
});
