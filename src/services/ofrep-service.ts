import type { Flag } from '../db/repositories.js';
import { NotFoundError } from '../errors.js';
import { BASIS_POINTS_PER_PERCENT, basisPointsToPercentage, isEnabled } from '../rollout.js';
import type { EvaluationRecorder, FlagSource } from './evaluation-service.js';

const ALL_USERS = 100 * BASIS_POINTS_PER_PERCENT;

/** OpenFeature's reasons: https://openfeature.dev/specification/types#resolution-reason */
export type OfrepReason = 'STATIC' | 'SPLIT' | 'DISABLED';

export interface OfrepEvaluation {
  key: string;
  value: boolean;
  reason: OfrepReason;
  variant: 'on' | 'off';
  metadata: { rollout_percentage: number };
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
 * are the native endpoints' answers: `value` is `enabled` for the user named by `targetingKey`.
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
    let value: boolean;
    let reason: OfrepReason;
    if (!flag.status) {
      [value, reason] = [false, 'DISABLED'];
    } else if (flag.rolloutBasisPoints >= ALL_USERS || flag.rolloutBasisPoints <= 0) {
      // Everyone gets the same answer: no targeting key needed.
      [value, reason] = [flag.rolloutBasisPoints > 0, 'STATIC'];
    } else if (targetingKey === undefined) {
      return { key: flag.name, errorCode: 'TARGETING_KEY_MISSING', errorDetails: `Flag "${flag.name}" is rolled out to a share of users: send context.targetingKey` };
    } else {
      [value, reason] = [isEnabled(flag, targetingKey, flag.name), 'SPLIT'];
    }
    this.recorder.record(flag.name, value);
    return { key: flag.name, value, reason, variant: value ? 'on' : 'off', metadata };
  }
}
