import { describe, expect, it } from 'vitest';
import { IMPACT_WINDOW_MS } from '../../src/core/impact.js';
import {
  MAX_CONTEXT_CHARACTERS,
  MAX_FLAGS_PER_CONTEXT,
  RecentContexts,
  SAMPLES_PER_SECOND,
} from '../../src/areas/evaluation/recent-contexts.js';
import { ManualClock } from '../support/manual-clock.js';

describe('RecentContexts', () => {
  it('counts a user for the flags they evaluated one by one, and for all past MAX_FLAGS_PER_CONTEXT', () => {
    const contexts = new RecentContexts(new ManualClock(), 100);
    contexts.record(1, 'u', undefined, 1);
    contexts.record(1, 'u', undefined, 2);
    expect(contexts.usersOf(1, 2).map((u) => u.userId)).toEqual(['u']);
    expect(contexts.usersOf(1, 3)).toEqual([]);
    expect(contexts.usersOf(2, 1)).toEqual([]);
    for (let flagId = 3; flagId <= MAX_FLAGS_PER_CONTEXT; flagId++) contexts.record(1, 'u', undefined, flagId);
    expect(contexts.usersOf(1, 10_000)).toEqual([]);
    contexts.record(1, 'u', undefined, MAX_FLAGS_PER_CONTEXT + 1);
    expect(contexts.usersOf(1, 10_000).map((u) => u.userId)).toEqual(['u']);
  });

  it('keeps the latest attributes, drops users older than the window, and skips contexts over the size limit', async () => {
    const clock = new ManualClock();
    const contexts = new RecentContexts(clock, 100);
    contexts.record(1, 'old', { plan: 'free' });
    await clock.advance(IMPACT_WINDOW_MS / 2);
    contexts.record(1, 'new', { plan: 'free' });
    contexts.record(1, 'new', { plan: 'pro', tags: ['a', 'b'], nested: { x: 1 } });
    contexts.record(1, 'huge', { nested: { list: ['x'.repeat(MAX_CONTEXT_CHARACTERS)] } });
    await clock.advance(IMPACT_WINDOW_MS / 2 + 1);
    expect(contexts.usersOf(1, 7)).toEqual([
      expect.objectContaining({ userId: 'new', attributes: { plan: 'pro', tags: ['a', 'b'], nested: { x: 1 } } }),
    ]);
  });

  it('samples at most SAMPLES_PER_SECOND evaluations a second per environment', async () => {
    const clock = new ManualClock();
    const contexts = new RecentContexts(clock, 10_000);
    const burst = (from: number, environment = 1) => {
      for (let i = from; i < from + 1000; i++) contexts.record(environment, `u${i}`, undefined);
    };
    burst(0);
    expect(contexts.usersOf(1, 1)).toHaveLength(SAMPLES_PER_SECOND);
    // Another environment has a budget of its own.
    burst(0, 2);
    expect(contexts.usersOf(2, 1)).toHaveLength(SAMPLES_PER_SECOND);
    await clock.advance(500);
    burst(1000);
    expect(contexts.usersOf(1, 1)).toHaveLength(SAMPLES_PER_SECOND * 1.5);
    // Light traffic is sampled whole: one evaluation every 100 ms for a minute.
    for (let i = 0; i < 600; i++) {
      await clock.advance(100);
      contexts.record(3, `light${i}`, undefined);
    }
    expect(contexts.usersOf(3, 1)).toHaveLength(600);
  });

  it('remembers nothing when its capacity is 0', () => {
    const contexts = new RecentContexts(new ManualClock(), 0);
    contexts.record(1, 'u', undefined);
    expect(contexts.usersOf(1, 1)).toEqual([]);
  });
});
