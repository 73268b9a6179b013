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
 * rule's split of the flag's variants, or the flag's own weights, walked with the variant bucket. A
 * user the flag is off for gets its off variant, where it has one (a typed flag's value when off).
 */
import type { Flag, Rule, Variant } from './flags.js';
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

/**
 * The longest chain of prerequisites a flag may sit in, in links (a → b → c is 2). Enforced when a
 * flag is saved (FlagService), so evaluation never meets a longer one; documented in docs/usage.md.
 */
export const MAX_PREREQUISITE_DEPTH = 32;

/**
 * The decisions already made for one user and context, by flag name: each flag is decided at most
 * once per evaluation, however many flags require it (layers of flags requiring the next layer's
 * would otherwise be decided once per path). One evaluation of all flags shares one memo.
 */
export type DecisionMemo = Map<string, Decision | 'deciding'>;

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

function prerequisitesHold(flag: Flag, userId: string, attributes: Attributes, lookups: Lookups, memo: DecisionMemo) {
  for (const prerequisite of flag.prerequisites) {
    const required = lookups.flag(prerequisite.flag);
    if (!required) return false;
    const decision = memoized(required, userId, attributes, lookups, memo);
    // A flag met again while it is being decided is a cycle, which saving refuses: it does not hold.
    if (decision === 'deciding') return false;
    if (!decision.enabled || (prerequisite.variant !== null && decision.variant?.key !== prerequisite.variant))
      return false;
  }
  return true;
}

function memoized(flag: Flag, userId: string, attributes: Attributes, lookups: Lookups, memo: DecisionMemo) {
  const known = memo.get(flag.name);
  if (known !== undefined) return known;
  memo.set(flag.name, 'deciding');
  const decision = decideWith(flag, userId, attributes, lookups, memo);
  memo.set(flag.name, decision);
  return decision;
}

/**
 * How the flag is decided for the user. Pass one `memo` to the decisions of one evaluation of many
 * flags for the same user and context; a single decision needs none.
 */
export function decide(
  flag: Flag,
  userId: string,
  attributes: Attributes = NO_ATTRIBUTES,
  lookups: Lookups = NOTHING,
  memo?: DecisionMemo,
): Decision {
  if (memo === undefined) return withOffVariant(decideWith(flag, userId, attributes, lookups, undefined));
  const decision = memoized(flag, userId, attributes, lookups, memo);
  // Only a flag that requires itself, which saving refuses, could be met while being decided.
  return withOffVariant(decision === 'deciding' ? decideWith(flag, userId, attributes, lookups, memo) : decision);
}

/**
 * A decision that is off, with the flag's off variant where it has one. Prerequisites read decisions
 * before this (they ask whether a flag is on, and on which variant), so it never changes what they see.
 */
function withOffVariant(decision: Decision): Decision {
  const { flag } = decision;
  if (decision.enabled || flag.offVariant === null) return decision;
  return { ...decision, variant: flag.variants.find((v) => v.key === flag.offVariant) };
}

function decideWith(
  flag: Flag,
  userId: string,
  attributes: Attributes,
  lookups: Lookups,
  memo: DecisionMemo | undefined,
): Decision {
  const bucket = bucketBasisPoints(userId, flag.name);
  if (!flag.status)
    return { flag, enabled: false, reason: 'FLAG_DISABLED', bucketBasisPoints: bucket, variant: undefined };
  // Most flags have no prerequisites: only those that do pay for a memo.
  if (flag.prerequisites.length > 0 && !prerequisitesHold(flag, userId, attributes, lookups, memo ?? new Map())) {
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
  memo?: DecisionMemo,
): boolean {
  if (!flag.status) return false;
  const percentageOnly = flag.rules.length === 0 && flag.overrides.length === 0 && flag.prerequisites.length === 0;
  if (percentageOnly) return bucketBasisPoints(userId, flag.name) < flag.rolloutBasisPoints;
  return decide(flag, userId, attributes, lookups, memo).enabled;
}

/**
 * The variant a decision exposes the user to, for a running experiment: one served while the flag is
 * on. Users the flag is off for are not exposed, even when they get its off variant. The service and
 * the in-process provider both count exposures by this, so an experiment's results do not depend on
 * where its flag was evaluated.
 */
export function exposedVariant(decision: Decision): Variant | undefined {
  return decision.enabled ? decision.variant : undefined;
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
