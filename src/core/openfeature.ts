/**
 * A flag's answer in OpenFeature's terms, the same wherever it is computed: the service's OFREP
 * endpoints and the in-process provider (packages/openfeature-provider) both answer with this. Pure.
 */
import {
  type AnyoneDecision,
  type Decision,
  decide,
  decideForAnyone,
  type DecisionMemo,
  type EvaluationReason,
  type Lookups,
} from './evaluation.js';
import type { Flag, Variant } from './flags.js';
import type { JsonValue } from './json.js';
import { basisPointsToPercentage } from './rollout.js';
import type { Attributes } from './targeting.js';

/** OpenFeature's reasons: https://openfeature.dev/specification/types#resolution-reason */
export type OpenFeatureReason = 'STATIC' | 'SPLIT' | 'TARGETING_MATCH' | 'DISABLED' | 'PREREQUISITE_FAILED';

// OpenFeature has no reason for a failed prerequisite; its reasons are open strings, so ours passes through.
const REASONS: Record<EvaluationReason | AnyoneDecision['reason'], OpenFeatureReason> = {
  STATIC: 'STATIC',
  FLAG_DISABLED: 'DISABLED',
  PREREQUISITE_FAILED: 'PREREQUISITE_FAILED',
  OVERRIDE: 'TARGETING_MATCH',
  RULE_MATCH: 'TARGETING_MATCH',
  IN_ROLLOUT: 'SPLIT',
  OUT_OF_ROLLOUT: 'SPLIT',
};

/** Who is asking: the user id, and the attributes rules and segments look at. */
export interface OpenFeatureSubject {
  targetingKey: string | undefined;
  attributes: Attributes;
}

export interface OpenFeatureAnswer {
  key: string;
  /**
   * A boolean flag: whether it is on for the user (for a flag with variants that is on, the variant's
   * key). A typed flag: its variant's value; absent when it is off with no off variant (code default).
   */
  value?: JsonValue;
  reason: OpenFeatureReason;
  /** The variant's key, or "on" / "off" for a flag without variants. */
  variant: string;
  /** OpenFeature metadata holds only strings, numbers and booleans: a payload travels as JSON text. */
  metadata: { rollout_percentage: number; payload?: string };
}

export interface OpenFeatureFailure {
  key: string;
  errorCode: 'TARGETING_KEY_MISSING';
  errorDetails: string;
}

export interface OpenFeatureResolution {
  result: OpenFeatureAnswer | OpenFeatureFailure;
  /** Whether the flag is on for the user (false for a failure). */
  enabled: boolean;
  /** The user's decision, when one was made: a flag that answers everyone alike needs none. */
  decision: Decision | undefined;
}

const offVariantOf = (flag: Flag) => flag.variants.find((v) => v.key === flag.offVariant);

/**
 * The flag for the subject. A flag whose answer cannot differ between users answers without a
 * targeting key; any other fails alone without one. Pass one `memo` to the flags of one bulk evaluation.
 */
export function resolveOpenFeature(
  flag: Flag,
  { targetingKey, attributes }: OpenFeatureSubject,
  lookups: Lookups,
  memo?: DecisionMemo,
): OpenFeatureResolution {
  const forAnyone = decideForAnyone(flag);
  if (forAnyone) {
    // An off flag's off variant is the same for everyone too.
    const variant = forAnyone.enabled ? undefined : offVariantOf(flag);
    return {
      result: answer(flag, forAnyone.enabled, REASONS[forAnyone.reason], variant),
      enabled: forAnyone.enabled,
      decision: undefined,
    };
  }
  if (targetingKey === undefined) {
    const failure: OpenFeatureFailure = {
      key: flag.name,
      errorCode: 'TARGETING_KEY_MISSING',
      errorDetails: `Flag "${flag.name}" depends on the user: send context.targetingKey`,
    };
    return { result: failure, enabled: false, decision: undefined };
  }
  const decision = decide(flag, targetingKey, attributes, lookups, memo);
  return {
    result: answer(flag, decision.enabled, REASONS[decision.reason], decision.variant),
    enabled: decision.enabled,
    decision,
  };
}

/**
 * A boolean flag's value is whether it is on (the variant's key when it is on and has variants, as
 * always); a typed flag's is its variant's value, and when it is off with no off variant there is
 * none: the protocol's code default, so the SDK returns the caller's default without an error.
 */
function answer(
  flag: Flag,
  enabled: boolean,
  reason: OpenFeatureReason,
  variant: Variant | undefined,
): OpenFeatureAnswer {
  const metadata: OpenFeatureAnswer['metadata'] = {
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
