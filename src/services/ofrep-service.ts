import type { Flag } from '../db/repositories.js';
import { NotFoundError } from '../errors.js';
import { BASIS_POINTS_PER_PERCENT, basisPointsToPercentage, isEnabled } from '../rollout.js';
import { type EvaluationRecorder, type FlagSource, variantFor } from './evaluation-service.js';

const ALL_USERS = 100 * BASIS_POINTS_PER_PERCENT;

/** OpenFeature's reasons: https://openfeature.dev/specification/types#resolution-reason */
export type OfrepReason = 'STATIC' | 'SPLIT' | 'DISABLED';

export interface OfrepEvaluation {
  key: string;
  /** Whether the flag is on for the user; for a flag with variants that is on, the variant's key. */
  value: boolean | string;
  reason: OfrepReason;
  /** The variant's key, or "on" / "off" for a flag without variants. */
  variant: string;
  /** OpenFeature metadata holds only strings, numbers and booleans: a payload travels as JSON text. */
  metadata: { rollout_percentage: number; payload?: string };
}

export interface OfrepFailure {
  key: string;
  errorCode: 'TARGETING_KEY_MISSING';
  errorDetails: string;
}

/** A flag whose answer depends on who asks was asked without saying who. */
export class TargetingKeyMissingError extends Error {}

/**
 * Flags evaluated in OpenFeature's terms, for the OpenFeature Remote Evaluation Protocol. The answers
 * are the native endpoints' answers: `value` is `enabled` for the user named by `targetingKey`, or
 * the variant's key when the flag has variants and is on for the user. When such a flag is off for
 * the user the value stays `false`, so an SDK asking for a string falls back to the caller's default.
 */
export class OfrepService {
  constructor(
    private readonly flags: FlagSource,
    private readonly recorder: EvaluationRecorder,
  ) {}

  evaluate(key: string, targetingKey: string | undefined): OfrepEvaluation {
    const flag = this.flags.find(key);
    if (!flag) throw new NotFoundError(`Flag "${key}" not found`);
    const result = this.resolve(flag, targetingKey);
    if ('errorCode' in result) throw new TargetingKeyMissingError(result.errorDetails);
    return result;
  }

  /** Every flag, in name order; a flag that needs a targeting key the context lacks fails alone. */
  evaluateAll(targetingKey: string | undefined): (OfrepEvaluation | OfrepFailure)[] {
    return this.flags.all().map((flag) => this.resolve(flag, targetingKey));
  }

  private resolve(flag: Flag, targetingKey: string | undefined): OfrepEvaluation | OfrepFailure {
    const metadata = { rollout_percentage: basisPointsToPercentage(flag.rolloutBasisPoints) };
    const hasVariants = flag.variants.length > 0;
    let enabled: boolean;
    let reason: OfrepReason;
    if (!flag.status) {
      [enabled, reason] = [false, 'DISABLED'];
    } else if (flag.rolloutBasisPoints <= 0 || (flag.rolloutBasisPoints >= ALL_USERS && !hasVariants)) {
      // Everyone gets the same answer: no targeting key needed.
      [enabled, reason] = [flag.rolloutBasisPoints > 0, 'STATIC'];
    } else if (targetingKey === undefined) {
      return { key: flag.name, errorCode: 'TARGETING_KEY_MISSING', errorDetails: `Flag "${flag.name}" depends on the user: send context.targetingKey` };
    } else {
      [enabled, reason] = [isEnabled(flag, targetingKey, flag.name), 'SPLIT'];
    }
    this.recorder.record(flag.name, enabled);
    const variant = enabled && targetingKey !== undefined ? variantFor(flag, targetingKey) : undefined;
    if (variant) {
      const payload = variant.payload === null ? {} : { payload: JSON.stringify(variant.payload) };
      return { key: flag.name, value: variant.key, reason, variant: variant.key, metadata: { ...metadata, ...payload } };
    }
    return { key: flag.name, value: enabled, reason, variant: enabled ? 'on' : 'off', metadata };
  }
}
