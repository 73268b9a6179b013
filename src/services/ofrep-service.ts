import type { Flag } from '../core/model.js';
import { NotFoundError } from '../errors.js';
import {
  type AnyoneDecision,
  decide,
  decideForAnyone,
  type DecisionMemo,
  type EvaluationReason,
} from '../core/evaluation.js';
import { basisPointsToPercentage } from '../core/rollout.js';
import type { Attributes } from '../core/targeting.js';
import {
  type EvaluationRecorder,
  type ExposureRecorder,
  type FlagSource,
  recordExposure,
} from './evaluation-service.js';

/** OpenFeature's reasons: https://openfeature.dev/specification/types#resolution-reason */
export type OfrepReason = 'STATIC' | 'SPLIT' | 'TARGETING_MATCH' | 'DISABLED' | 'PREREQUISITE_FAILED';

// OpenFeature has no reason for a failed prerequisite; its reasons are open strings, so ours passes through.
const REASONS: Record<EvaluationReason | AnyoneDecision['reason'], OfrepReason> = {
  STATIC: 'STATIC',
  FLAG_DISABLED: 'DISABLED',
  PREREQUISITE_FAILED: 'PREREQUISITE_FAILED',
  OVERRIDE: 'TARGETING_MATCH',
  RULE_MATCH: 'TARGETING_MATCH',
  IN_ROLLOUT: 'SPLIT',
  OUT_OF_ROLLOUT: 'SPLIT',
};

/** Who is asking: the user id, and the attributes rules and segments look at. */
export interface OfrepSubject {
  targetingKey: string | undefined;
  attributes: Attributes;
}

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
    private readonly recorder: EvaluationRecorder,
    private readonly exposures: ExposureRecorder,
  ) {}

  evaluate(flags: FlagSource, key: string, subject: OfrepSubject): OfrepEvaluation {
    const flag = flags.find(key);
    if (!flag) throw new NotFoundError(`Flag "${key}" not found`);
    const result = this.resolve(flags, flag, subject);
    if ('errorCode' in result) throw new TargetingKeyMissingError(result.errorDetails);
    return result;
  }

  /** Every flag, in name order; a flag that needs a targeting key the context lacks fails alone. */
  evaluateAll(flags: FlagSource, subject: OfrepSubject): (OfrepEvaluation | OfrepFailure)[] {
    const memo: DecisionMemo = new Map();
    return flags.all().map((flag) => this.resolve(flags, flag, subject, memo));
  }

  private resolve(
    flags: FlagSource,
    flag: Flag,
    { targetingKey, attributes }: OfrepSubject,
    memo?: DecisionMemo,
  ): OfrepEvaluation | OfrepFailure {
    const metadata = { rollout_percentage: basisPointsToPercentage(flag.rolloutBasisPoints) };
    const forAnyone = decideForAnyone(flag);
    if (forAnyone) {
      this.recorder.record(flag, forAnyone.enabled);
      const { enabled } = forAnyone;
      return {
        key: flag.name,
        value: enabled,
        reason: REASONS[forAnyone.reason],
        variant: enabled ? 'on' : 'off',
        metadata,
      };
    }
    if (targetingKey === undefined) {
      return {
        key: flag.name,
        errorCode: 'TARGETING_KEY_MISSING',
        errorDetails: `Flag "${flag.name}" depends on the user: send context.targetingKey`,
      };
    }
    const decision = decide(flag, targetingKey, attributes, flags.lookups, memo);
    this.recorder.record(flag, decision.enabled);
    recordExposure(flags, this.exposures, decision, targetingKey);
    const reason = REASONS[decision.reason];
    const variant = decision.variant;
    if (variant) {
      const payload = variant.payload === null ? {} : { payload: JSON.stringify(variant.payload) };
      return {
        key: flag.name,
        value: variant.key,
        reason,
        variant: variant.key,
        metadata: { ...metadata, ...payload },
      };
    }
    return { key: flag.name, value: decision.enabled, reason, variant: decision.enabled ? 'on' : 'off', metadata };
  }
}
