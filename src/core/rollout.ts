/**
 * Deterministic percentage rollout. Pure: no I/O, no clock, no randomness.
 *
 * X      = SHA-256(utf8(`${userId}:${flagName}`)) read as one big-endian unsigned integer
 * bucket = (X mod 100) * 100 + (X div 100) mod 100          (basis points, 0..9999)
 * on     = status && bucket < threshold,  threshold = round(rollout_percentage * 100)
 *
 * The whole-percent part of the bucket is `X mod 100`, so for whole percentages this is exactly
 * the original MVP's `int(sha256_hex, 16) % 100 < pct` and keeps its assignments; the next two
 * decimal digits of X refine it to 0.01 %. Comparing integers avoids float surprises such as
 * `0.07 * 100 === 7.000000000000001`. Raising a percentage only raises the threshold, so nobody
 * who was on is turned off; the flag name in the hash keeps flags independent of each other.
 */
import { sha256Words } from './sha256.js';

const BASIS_POINTS_PER_PERCENT = 100;

/** X mod 10000 without BigInt: Horner's rule over 32-bit words stays below 2^53, so it is exact. */
function digestModTenThousand(words: Int32Array): number {
  let remainder = 0;
  for (let i = 0; i < 8; i++) {
    remainder = (remainder * 0x1_0000_0000 + (words[i] >>> 0)) % 10_000;
  }
  return remainder;
}

/** The user's position for this flag, in basis points (0..9999). */
export function bucketBasisPoints(userId: string, flagName: string): number {
  const lowDigits = digestModTenThousand(sha256Words(`${userId}:${flagName}`));
  const wholePercent = lowDigits % 100;
  const hundredths = Math.floor(lowDigits / 100);
  return wholePercent * BASIS_POINTS_PER_PERCENT + hundredths;
}

/** Percentages carry at most two decimals, so rounding recovers the exact basis points. */
export function percentageToBasisPoints(percentage: number): number {
  return Math.round(percentage * BASIS_POINTS_PER_PERCENT);
}

export function basisPointsToPercentage(basisPoints: number): number {
  return basisPoints / BASIS_POINTS_PER_PERCENT;
}

export interface WeightedVariant {
  readonly key: string;
  /** Share of users, in basis points; a flag's variants add up to 10,000. */
  readonly weightBasisPoints: number;
}

// Flag names cannot contain "/", so this key never collides with another flag's rollout bucket.
const VARIANT_SEED_SUFFIX = '/variants';

/**
 * The user's position for choosing among a flag's variants: the same formula as the rollout bucket,
 * keyed `user:flag/variants`. It is independent of the rollout bucket, so everyone inside a partial
 * rollout spreads over all variants, and a user keeps their variant when the percentage changes.
 */
export function variantBucketBasisPoints(userId: string, flagName: string): number {
  return bucketBasisPoints(userId, `${flagName}${VARIANT_SEED_SUFFIX}`);
}

/** Walks the cumulative weights: the variant whose range holds the bucket (weights sum to 10,000). */
export function chooseVariant<V extends WeightedVariant>(variants: readonly V[], bucket: number): V | undefined {
  let upper = 0;
  for (const variant of variants) {
    upper += variant.weightBasisPoints;
    if (bucket < upper) return variant;
  }
  return undefined;
}
