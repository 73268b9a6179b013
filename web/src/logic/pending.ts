import type { Condition, Flag, Override, Prerequisite, Rule, SettingsChange } from '../api.js';
import { valueText } from './conditions.js';

/** What the flag page edits in one environment, saved together as one change. */
export interface Draft {
  status: boolean;
  rolloutPercentage: number;
  /** The variants' weights, in the flag's order. */
  weights: number[];
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
}

export const draftOf = (flag: Flag): Draft => ({
  status: flag.status,
  rolloutPercentage: flag.rollout_percentage,
  weights: flag.variants.map((v) => v.weight),
  rules: flag.rules,
  overrides: flag.overrides,
  prerequisites: flag.prerequisites,
});

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A settings update with its lists as flags show them. */
export type PendingChange = SettingsChange & { overrides?: Override[]; prerequisites?: Prerequisite[] };

/** The draft as one settings update: only what differs from the flag as saved. */
export function pendingChange(flag: Flag, draft: Draft): PendingChange {
  const saved = draftOf(flag);
  return {
    ...(draft.status !== saved.status && { status: draft.status }),
    ...(draft.rolloutPercentage !== saved.rolloutPercentage && { rollout_percentage: draft.rolloutPercentage }),
    ...(!same(draft.weights, saved.weights) && {
      variants: flag.variants.map((v, i) => ({ key: v.key, weight: draft.weights[i] })),
    }),
    ...(!same(draft.rules, saved.rules) && { rules: draft.rules }),
    ...(!same(draft.overrides, saved.overrides) && { overrides: draft.overrides }),
    ...(!same(draft.prerequisites, saved.prerequisites) && { prerequisites: draft.prerequisites }),
  };
}

const OPERATOR_WORDS: Record<string, string> = {
  equals: 'is',
  not_equals: 'is not',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  matches: 'matches',
  lt: 'is below',
  lte: 'is at most',
  gt: 'is above',
  gte: 'is at least',
  semver_eq: 'is version',
  semver_lt: 'is a version below',
  semver_lte: 'is a version up to',
  semver_gt: 'is a version above',
  semver_gte: 'is a version from',
  exists: 'is set',
  not_exists: 'is not set',
};

export const conditionWords = (c: Condition) =>
  [c.attribute, OPERATOR_WORDS[c.operator] ?? c.operator, valueText(c)].filter(Boolean).join(' ');

/** "users in segment beta whose country is one of DE, FR", or "all users" for a rule with neither. */
export function audienceWords(rule: Rule): string {
  const parts = [
    ...(rule.segment ? [`in segment ${rule.segment}`] : []),
    ...(rule.conditions.length > 0 ? [`whose ${rule.conditions.map(conditionWords).join(' and ')}`] : []),
  ];
  return parts.length === 0 ? 'all users' : `users ${parts.join(' ')}`;
}

const splitWords = (rule: Rule) =>
  rule.variants.length === 0 ? '' : ` (${rule.variants.map((v) => `${v.key} ${v.weight}%`).join(', ')})`;

export const ruleWords = (rule: Rule) => `${rule.rollout_percentage}% of ${audienceWords(rule)}${splitWords(rule)}`;

const overrideWords = (o: Override) =>
  `${o.user_id} always gets it ${o.enabled ? 'on' : 'off'}${o.variant ? ` with variant ${o.variant}` : ''}`;

const prerequisiteWords = (p: Prerequisite) =>
  `only while ${p.flag || '(no flag chosen)'} is ${p.variant ? `variant ${p.variant}` : 'on'}`;

/** Lines for items compared by position: added, removed or changed. */
function listChanges<T>(what: string, before: T[], after: T[], words: (item: T) => string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const [was, is] = [before[i], after[i]];
    if (was === undefined) lines.push(`Add ${what} ${i + 1}: ${words(is)}`);
    else if (is === undefined) lines.push(`Remove ${what} ${i + 1}: ${words(was)}`);
    else if (!same(was, is)) lines.push(`Change ${what} ${i + 1}: ${words(was)} → ${words(is)}`);
  }
  return lines;
}

/** The pending change in words, one line each, as the review panel lists them before saving. */
export function describeChange(flag: Flag, change: PendingChange, environmentName: string): string[] {
  const lines: string[] = [];
  if (change.status !== undefined) lines.push(`Turn it ${change.status ? 'on' : 'off'} in ${environmentName}`);
  if (change.rollout_percentage !== undefined) {
    lines.push(`Users who get it: ${flag.rollout_percentage}% → ${change.rollout_percentage}%`);
  }
  if (change.variants) {
    const moved = change.variants.flatMap((v, i) =>
      v.weight === flag.variants[i].weight ? [] : [`${v.key} ${flag.variants[i].weight}% → ${v.weight}%`],
    );
    lines.push(`Variant weights: ${moved.join(', ')}`);
  }
  if (change.rules) lines.push(...listChanges('rule', flag.rules, change.rules, ruleWords));
  if (change.overrides) {
    lines.push(...listChanges('override', flag.overrides, change.overrides, overrideWords));
  }
  if (change.prerequisites) {
    lines.push(...listChanges('prerequisite', flag.prerequisites, change.prerequisites, prerequisiteWords));
  }
  return lines;
}
