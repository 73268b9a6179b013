/**
 * How one flag is decided for one user: pure, from the flag, the user and the attributes of the
 * evaluation context. In order, the first step that applies decides:
 *   1. the flag is off                          → off        (FLAG_DISABLED)
 *   2. a prerequisite flag is off for the user, or on another variant → off (PREREQUISITE_FAILED)
 *   3. an override names the user               → its answer (OVERRIDE)
 *   4. the first rule whose segment and conditions hold → on when the user's bucket is below the
 *      rule's percentage                                     (RULE_MATCH)
 *   5. otherwise the flag's own percentage      → IN_ROLLOUT / OUT_OF_ROLLOUT
 * A user who gets a flag with variants also gets a variant: the one the override names, or the
 * rule's split of the flag's variants, or the flag's own weights, walked with the variant bucket.
 */
import type { Flag, Rule, Variant } from './model.js';
import { bucketBasisPoints, chooseVariant, variantBucketBasisPoints } from './rollout.js';
import { type Attributes, inSegment, matchesAll, type SegmentDefinition } from './targeting.js';

export type EvaluationReason =
  'FLAG_DISABLED' | 'PREREQUISITE_FAILED' | 'OVERRIDE' | 'RULE_MATCH' | 'IN_ROLLOUT' | 'OUT_OF_ROLLOUT';

export interface Decision {
  readonly flag: Flag;
  readonly enabled: boolean;
  readonly reason: EvaluationReason;
  readonly bucketBasisPoints: number;
  readonly variant: Variant | undefined;
}

/** The other configuration a decision may need. */
export interface Lookups {
  segment(name: string): SegmentDefinition | undefined;
  flag(name: string): Flag | undefined;
}

const NO_ATTRIBUTES: Attributes = {};
const NOTHING: Lookups = { segment: () => undefined, flag: () => undefined };
// Cycles are refused when flags are saved; this bounds what concurrent saves on two instances could still create.
const MAX_PREREQUISITE_DEPTH = 10;

function ruleMatches(rule: Rule, userId: string, attributes: Attributes, lookups: Lookups): boolean {
  if (rule.segment !== null) {
    const segment = lookups.segment(rule.segment);
    if (!segment || !inSegment(segment, userId, attributes)) return false;
  }
  return matchesAll(rule.conditions, attributes);
}

function variantOf(flag: Flag, userId: string, rule: Rule | undefined): Variant | undefined {
  if (flag.variants.length === 0) return undefined;
  const bucket = variantBucketBasisPoints(userId, flag.name);
  if (!rule || rule.variants.length === 0) return chooseVariant(flag.variants, bucket);
  const key = chooseVariant(rule.variants, bucket)?.key;
  return flag.variants.find((v) => v.key === key);
}

function prerequisitesHold(
  flag: Flag,
  userId: string,
  attributes: Attributes,
  lookups: Lookups,
  depth: number,
): boolean {
  if (depth >= MAX_PREREQUISITE_DEPTH) return false;
  for (const prerequisite of flag.prerequisites) {
    const required = lookups.flag(prerequisite.flag);
    if (!required) return false;
    const decision = decideAt(required, userId, attributes, lookups, depth + 1);
    if (!decision.enabled || (prerequisite.variant !== null && decision.variant?.key !== prerequisite.variant))
      return false;
  }
  return true;
}

export function decide(
  flag: Flag,
  userId: string,
  attributes: Attributes = NO_ATTRIBUTES,
  lookups: Lookups = NOTHING,
): Decision {
  return decideAt(flag, userId, attributes, lookups, 0);
}

function decideAt(flag: Flag, userId: string, attributes: Attributes, lookups: Lookups, depth: number): Decision {
  const bucket = bucketBasisPoints(userId, flag.name);
  if (!flag.status)
    return { flag, enabled: false, reason: 'FLAG_DISABLED', bucketBasisPoints: bucket, variant: undefined };
  if (flag.prerequisites.length > 0 && !prerequisitesHold(flag, userId, attributes, lookups, depth)) {
    return { flag, enabled: false, reason: 'PREREQUISITE_FAILED', bucketBasisPoints: bucket, variant: undefined };
  }

  if (flag.overrides.length > 0) {
    const override = flag.overrides.find((o) => o.userId === userId);
    if (override) {
      const variant = !override.enabled
        ? undefined
        : override.variant !== null
          ? flag.variants.find((v) => v.key === override.variant)
          : variantOf(flag, userId, undefined);
      return { flag, enabled: override.enabled, reason: 'OVERRIDE', bucketBasisPoints: bucket, variant };
    }
  }

  for (const rule of flag.rules) {
    if (!ruleMatches(rule, userId, attributes, lookups)) continue;
    const enabled = bucket < rule.rolloutBasisPoints;
    return {
      flag,
      enabled,
      reason: 'RULE_MATCH',
      bucketBasisPoints: bucket,
      variant: enabled ? variantOf(flag, userId, rule) : undefined,
    };
  }

  const enabled = bucket < flag.rolloutBasisPoints;
  return {
    flag,
    enabled,
    reason: enabled ? 'IN_ROLLOUT' : 'OUT_OF_ROLLOUT',
    bucketBasisPoints: bucket,
    variant: enabled ? variantOf(flag, userId, undefined) : undefined,
  };
}

/**
 * Whether the flag is on for the user: decide()'s answer without its decision. Most flags are a
 * percentage only, and then the bucket alone answers, without building a decision (all-flags
 * evaluation of 1,000 flags does this 1,000 times per request).
 */
export function isOn(
  flag: Flag,
  userId: string,
  attributes: Attributes = NO_ATTRIBUTES,
  lookups: Lookups = NOTHING,
): boolean {
  if (!flag.status) return false;
  const percentageOnly = flag.rules.length === 0 && flag.overrides.length === 0 && flag.prerequisites.length === 0;
  if (percentageOnly) return bucketBasisPoints(userId, flag.name) < flag.rolloutBasisPoints;
  return decideAt(flag, userId, attributes, lookups, 0).enabled;
}

/** The answer of a flag that is the same for every user, so no one needs to say who they are. */
export interface AnyoneDecision {
  readonly enabled: boolean;
  /** STATIC: on at 100% or off at 0%, with no rules, overrides, prerequisites or variants. */
  readonly reason: 'FLAG_DISABLED' | 'STATIC';
}

/** The flag's answer when it cannot differ between users; undefined when it can (then it needs to know who asks). */
export function decideForAnyone(flag: Flag): AnyoneDecision | undefined {
  if (!flag.status) return { enabled: false, reason: 'FLAG_DISABLED' };
  const dependsOnUser =
    flag.rules.length > 0 ||
    flag.overrides.length > 0 ||
    flag.variants.length > 0 ||
    flag.prerequisites.length > 0 ||
    (flag.rolloutBasisPoints > 0 && flag.rolloutBasisPoints < 10_000);
  return dependsOnUser ? undefined : { enabled: flag.rolloutBasisPoints > 0, reason: 'STATIC' };
}
