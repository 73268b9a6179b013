import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/evaluation.js';
import { flag } from '../support/flags.js';
import {
  bucketBasisPoints,
  chooseVariant,
  percentageToBasisPoints,
  variantBucketBasisPoints,
} from '../../src/core/rollout.js';

/** A flag with a percentage and nothing else, decided for one user. */
function evaluateRollout(rule: { status: boolean; rolloutBasisPoints: number }, userId: string, name: string) {
  const { enabled, reason, bucketBasisPoints } = decide(flag(name, rule), userId);
  return { enabled, reason, bucketBasisPoints };
}

interface Vector {
  user_id: string;
  flag_name: string;
  bucket_bp: number;
}

// Reference buckets computed independently of this code (copied from the team's shared vectors).
const sharedVectors: Vector[] = JSON.parse(
  readFileSync(new URL('../fixtures/rollout-vectors.json', import.meta.url), 'utf8'),
).vectors;

// The formula written the slow, obvious way with BigInt, to cross-check the fast path on many inputs.
function referenceBucket(userId: string, flagName: string): number {
  const x = BigInt(`0x${createHash('sha256').update(`${userId}:${flagName}`, 'utf8').digest('hex')}`);
  return Number((x % 100n) * 100n + ((x / 100n) % 100n));
}

describe('bucketBasisPoints', () => {
  it.each([
    ['alice123', 'beta_search', 7521],
    ['bob456', 'beta_search', 8026],
    ['user1', 'new_feature', 4651],
    ['user2', 'new_feature', 8634],
    ['ünïcødé-用户', 'dark_mode', 5163],
  ])('%s / %s is in bucket %i (issue vectors)', (userId, flagName, expected) => {
    expect(bucketBasisPoints(userId, flagName)).toBe(expected);
  });

  it('matches every shared reference vector', () => {
    expect(sharedVectors.length).toBeGreaterThan(0);
    for (const v of sharedVectors) {
      expect(bucketBasisPoints(v.user_id, v.flag_name), `${v.user_id}/${v.flag_name}`).toBe(v.bucket_bp);
    }
  });

  it('agrees with the BigInt formula on 20,000 generated inputs', () => {
    for (let i = 0; i < 20_000; i++) {
      const userId = `user-${i * 7919}`;
      const flagName = `flag_${i % 37}`;
      expect(bucketBasisPoints(userId, flagName)).toBe(referenceBucket(userId, flagName));
    }
  });

  it('keeps the whole-percent part equal to the MVP formula int(hex, 16) % 100', () => {
    for (let i = 0; i < 5_000; i++) {
      const hex = createHash('sha256').update(`u${i}:checkout`).digest('hex');
      expect(Math.floor(bucketBasisPoints(`u${i}`, 'checkout') / 100)).toBe(Number(BigInt(`0x${hex}`) % 100n));
    }
  });
});

describe('a percentage rollout', () => {
  const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

  it('spreads users evenly: 25% of 100,000 users within ±0.5%', () => {
    const on = users.filter((u) => evaluateRollout({ status: true, rolloutBasisPoints: 2500 }, u, 'spread').enabled);
    expect(Math.abs(on.length / users.length - 0.25)).toBeLessThanOrEqual(0.005);
  });

  it('is deterministic', () => {
    const first = users.slice(0, 1000).map((u) => evaluateRollout({ status: true, rolloutBasisPoints: 5000 }, u, 'f'));
    const second = users.slice(0, 1000).map((u) => evaluateRollout({ status: true, rolloutBasisPoints: 5000 }, u, 'f'));
    expect(second).toEqual(first);
  });

  it('is monotonic: everyone on at 25% is on at 50%', () => {
    for (const u of users.slice(0, 20_000)) {
      if (evaluateRollout({ status: true, rolloutBasisPoints: 2500 }, u, 'mono').enabled) {
        expect(evaluateRollout({ status: true, rolloutBasisPoints: 5000 }, u, 'mono').enabled).toBe(true);
      }
    }
  });

  it('keeps flags independent: being on for one flag says nothing about another', () => {
    const rule = { status: true, rolloutBasisPoints: 5000 };
    let onA = 0;
    let onBoth = 0;
    for (const u of users) {
      const a = evaluateRollout(rule, u, 'flag_a').enabled;
      const b = evaluateRollout(rule, u, 'flag_b').enabled;
      if (a) onA++;
      if (a && b) onBoth++;
    }
    // P(B | A) must stay near P(B) = 0.5 if the flags are independent.
    expect(Math.abs(onBoth / onA - 0.5)).toBeLessThan(0.01);
  });

  it('gives reasons and respects the edges 0% and 100%', () => {
    expect(evaluateRollout({ status: false, rolloutBasisPoints: 10_000 }, 'alice123', 'beta_search')).toEqual({
      enabled: false,
      reason: 'FLAG_DISABLED',
      bucketBasisPoints: 7521,
    });
    expect(evaluateRollout({ status: true, rolloutBasisPoints: 7522 }, 'alice123', 'beta_search').reason).toBe(
      'IN_ROLLOUT',
    );
    expect(evaluateRollout({ status: true, rolloutBasisPoints: 7521 }, 'alice123', 'beta_search').reason).toBe(
      'OUT_OF_ROLLOUT',
    );
    for (const u of users.slice(0, 2000)) {
      expect(evaluateRollout({ status: true, rolloutBasisPoints: 0 }, u, 'edge').enabled).toBe(false);
      expect(evaluateRollout({ status: true, rolloutBasisPoints: 10_000 }, u, 'edge').enabled).toBe(true);
    }
  });

  it('converts fractional percentages to exact basis points', () => {
    expect(percentageToBasisPoints(0.07)).toBe(7);
    expect(percentageToBasisPoints(33.33)).toBe(3333);
    expect(percentageToBasisPoints(100)).toBe(10_000);
  });
});

describe('variants', () => {
  const threeWay = [
    { key: 'a', weightBasisPoints: 3333 },
    { key: 'b', weightBasisPoints: 3333 },
    { key: 'c', weightBasisPoints: 3334 },
  ];
  const uneven = [
    { key: 'control', weightBasisPoints: 5000 },
    { key: 'blue', weightBasisPoints: 3000 },
    { key: 'never', weightBasisPoints: 0 },
    { key: 'green', weightBasisPoints: 2000 },
  ];
  const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const spread = (variants: typeof uneven, who: string[], flag: string) => {
    const counts: Record<string, number> = {};
    for (const user of who) {
      const key = chooseVariant(variants, variantBucketBasisPoints(user, flag))!.key;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };

  it.each([
    ['50/30/0/20', uneven],
    ['33.33/33.33/33.34', threeWay],
  ])('spreads 100,000 users within ±1%% of each weight (%s)', (_name, variants) => {
    const counts = spread(variants, users, 'checkout_test');
    for (const v of variants) {
      expect(Math.abs((counts[v.key] ?? 0) / users.length - v.weightBasisPoints / 10_000), v.key).toBeLessThan(0.01);
    }
    expect(counts.never).toBeUndefined();
  });

  it(
    'spreads the users inside a partial rollout over every variant too: the variant bucket is independent of the ' +
      'rollout bucket',
    () => {
      const inRollout = users.filter((user) => bucketBasisPoints(user, 'checkout_test') < 2500);
      const counts = spread(uneven, inRollout, 'checkout_test');
      for (const v of uneven)
        expect(Math.abs((counts[v.key] ?? 0) / inRollout.length - v.weightBasisPoints / 10_000)).toBeLessThan(0.02);
    },
  );

  it('is the rollout formula keyed "user:flag/variants", so a user keeps a variant whatever the percentage', () => {
    for (const user of users.slice(0, 500)) {
      expect(variantBucketBasisPoints(user, 'f')).toBe(referenceBucket(user, 'f/variants'));
    }
  });

  it('walks the cumulative weights: the range edges belong to the next variant', () => {
    expect(chooseVariant(uneven, 0)!.key).toBe('control');
    expect(chooseVariant(uneven, 4999)!.key).toBe('control');
    expect(chooseVariant(uneven, 5000)!.key).toBe('blue');
    expect(chooseVariant(uneven, 7999)!.key).toBe('blue');
    expect(chooseVariant(uneven, 8000)!.key).toBe('green');
    expect(chooseVariant(uneven, 9999)!.key).toBe('green');
  });
});
