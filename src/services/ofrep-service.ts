import type { Flag, JsonValue, Variant } from '../core/model.js';
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
import type { ContextRecorder } from './recent-contexts.js';
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
  /**
   * A boolean flag: whether it is on for the user (for a flag with variants that is on, the variant's
   * key). A typed flag: its variant's value; absent when it is off with no off variant (code default).
   */
  value?: JsonValue;
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
 * are the native endpoints' answers for the user named by `targetingKey`, with the value OpenFeature
 * expects of the flag's value type (see answer()).
 */
export class OfrepService {
  constructor(
    private readonly recorder: EvaluationRecorder,
    private readonly exposures: ExposureRecorder,
    private readonly contexts: ContextRecorder,
  ) {}

  evaluate(flags: FlagSource, key: string, subject: OfrepSubject): OfrepEvaluation {
    const flag = flags.find(key);
    if (!flag) throw new NotFoundError(`Flag "${key}" not found`);
    if (subject.targetingKey !== undefined)
      this.contexts.record(flags.environment.id, subject.targetingKey, subject.attributes, flag.flagId);
    const result = this.resolve(flags, flag, subject);
    if ('errorCode' in result) throw new TargetingKeyMissingError(result.errorDetails);
    return result;
  }

  /** Every flag, in name order; a flag that needs a targeting key the context lacks fails alone. */
  evaluateAll(flags: FlagSource, subject: OfrepSubject): (OfrepEvaluation | OfrepFailure)[] {
    if (subject.targetingKey !== undefined)
      this.contexts.record(flags.environment.id, subject.targetingKey, subject.attributes);
    const memo: DecisionMemo = new Map();
    return flags.all().map((flag) => this.resolve(flags, flag, subject, memo));
  }

  private resolve(
    flags: FlagSource,
    flag: Flag,
    { targetingKey, attributes }: OfrepSubject,
    memo?: DecisionMemo,
  ): OfrepEvaluation | OfrepFailure {
    const forAnyone = decideForAnyone(flag);
    if (forAnyone) {
      this.recorder.record(flag, forAnyone.enabled);
      // An off flag's off variant is the same for everyone too.
      const variant = forAnyone.enabled ? undefined : offVariantOf(flag);
      return answer(flag, forAnyone.enabled, REASONS[forAnyone.reason], variant);
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
    return answer(flag, decision.enabled, REASONS[decision.reason], decision.variant);
  }
}

const offVariantOf = (flag: Flag) => flag.variants.find((v) => v.key === flag.offVariant);

/**
 * The flag's answer in OpenFeature's terms. A boolean flag's value is whether it is on (the variant's
 * key when it is on and has variants, as always); a typed flag's is its variant's value, and when it
 * is off with no off variant there is none: the protocol's code default, so the SDK returns the
 * caller's default without an error.
 */
function answer(flag: Flag, enabled: boolean, reason: OfrepReason, variant: Variant | undefined): OfrepEvaluation {
  const metadata: OfrepEvaluation['metadata'] = {
    rollout_percentage: basisPointsToPercentage(flag.rolloutBasisPoints),
  };
  if (variant && variant.payload !== null) metadata.payload = JSON.stringify(variant.payload);
  const variantKey = variant?.key ?? (enabled ? 'on' : 'off');
  if (flag.valueType !== 'boolean') {
    return variant
      ? { key: flag.name, value: variant.value, reason, variant: variantKey, metadata }
      : { key: flag.name, reason, variant: variantKey, metadata };
  }
  return { key: flag.name, value: enabled && variant ? variant.key : enabled, reason, variant: variantKey, metadata };
}
