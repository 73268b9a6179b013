import { z } from 'zod';
import type { FlagSettings, Override, Rule } from '../core/flags.js';
import { type Condition, OPERATORS, unsafeRegexReason } from '../core/targeting.js';
import { checkUnique, checkWeightsTotal, flagNameSchema, rolloutPercentageSchema } from './common-schemas.js';
import { toOverride, toPercentage, toSplit } from './core-form.js';

const SEMVER = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const NUMERIC_OPERATORS = new Set(['lt', 'lte', 'gt', 'gte']);

/** Why a condition's value does not suit its operator, or undefined when it does. */
function conditionProblem({ operator, value }: Condition): string | undefined {
  if (operator === 'exists' || operator === 'not_exists')
    return value === undefined ? undefined : `${operator} takes no value`;
  if (value === undefined) return `${operator} needs a value`;
  if (operator === 'in' || operator === 'not_in')
    return Array.isArray(value) ? undefined : `${operator} needs a list of strings`;
  if (Array.isArray(value)) return `${operator} needs a single value, not a list`;
  if (NUMERIC_OPERATORS.has(operator))
    return Number.isFinite(Number(value)) && value !== '' && typeof value !== 'boolean'
      ? undefined
      : `${operator} needs a number`;
  if (operator.startsWith('semver_'))
    return typeof value === 'string' && SEMVER.test(value)
      ? undefined
      : `${operator} needs a semantic version such as "2.1.0"`;
  if (operator === 'matches')
    return typeof value === 'string' ? unsafeRegexReason(value) : 'matches needs a regular expression';
  if (['contains', 'starts_with', 'ends_with'].includes(operator) && typeof value !== 'string')
    return `${operator} needs a string`;
  return undefined;
}

const conditionSchema = z
  .strictObject({
    attribute: z
      .string()
      .min(1)
      .max(100)
      .describe('A context attribute, e.g. "country", or a dotted path into a nested one, e.g. "device.os"'),
    operator: z.enum(OPERATORS),
    value: z
      .union([z.string().max(1000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(1000)])
      .optional()
      .describe('A string, number or boolean; a list of strings for in / not_in; none for exists / not_exists'),
  })
  .superRefine((condition, context) => {
    const problem = conditionProblem(condition);
    if (problem) context.addIssue({ code: 'custom', path: ['value'], message: problem });
  })
  .meta({ id: 'Condition', example: { attribute: 'country', operator: 'in', value: ['DE', 'AT'] } });

export const conditionsSchema = z.array(conditionSchema).max(50).describe('All must hold (AND)');

const variantSplitSchema = z.strictObject({ key: z.string().min(1).max(50), weight: rolloutPercentageSchema });

export const ruleSchema = z
  .strictObject({
    segment: flagNameSchema.optional().describe("A segment's name"),
    conditions: conditionsSchema.default([]),
    rollout_percentage: rolloutPercentageSchema.default(100).describe("Share of this rule's users who get the flag"),
    variants: z
      .array(variantSplitSchema)
      .max(20)
      .superRefine((splits, context) => {
        checkUnique(splits, 'key', 'variant', context);
        checkWeightsTotal(splits, context);
      })
      .default([])
      .describe("Weights for the flag's variants for this rule's users (adding up to 100); [] keeps the flag's"),
  })
  .meta({
    id: 'Rule',
    example: {
      segment: 'beta_testers',
      conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
      rollout_percentage: 100,
    },
  });

export const overrideSchema = z
  .strictObject({
    user_id: z.string().min(1).max(256),
    enabled: z.boolean(),
    variant: z
      .string()
      .min(1)
      .max(50)
      .nullable()
      .default(null)
      .describe('Only with enabled: true, for a flag with variants'),
  })
  .refine((o) => o.enabled || o.variant === null, {
    message: 'a variant can only be forced together with enabled: true',
    path: ['variant'],
  })
  .meta({ id: 'Override', example: { user_id: 'qa-tester-1', enabled: true, variant: null } });

export const prerequisitesSchema = z
  .array(
    z.strictObject({
      flag: flagNameSchema.describe('A flag that must be on for the user'),
      variant: z.string().min(1).max(50).nullable().default(null).describe('…and on this variant; null for any'),
    }),
  )
  .max(20)
  .superRefine((prerequisites, context) => checkUnique(prerequisites, 'flag', 'flag', context))
  .describe(
    'Flags that must be on for the user before this one applies; otherwise it is off (PREREQUISITE_FAILED). [] ' +
      'for none',
  );

export const prerequisiteResponseSchema = z.object({ flag: z.string(), variant: z.string().nullable() });

export const rulesSchema = z
  .array(ruleSchema)
  .max(50)
  .describe('Tried in order; the first that matches decides. [] for none');
export const overridesSchema = z
  .array(overrideSchema)
  .max(1000)
  .superRefine((overrides, context) => checkUnique(overrides, 'user_id', 'user', context))
  .describe('Per-user answers that come before the rules. [] for none');

export const ruleResponseSchema = z.object({
  segment: z.string().nullable(),
  conditions: z.array(z.object({ attribute: z.string(), operator: z.string(), value: z.unknown().optional() })),
  rollout_percentage: z.number(),
  variants: z.array(z.object({ key: z.string(), weight: z.number() })),
});

export const overrideResponseSchema = z.object({
  user_id: z.string(),
  enabled: z.boolean(),
  variant: z.string().nullable(),
});

export const toRuleResponse = (rule: Rule): z.infer<typeof ruleResponseSchema> => ({
  segment: rule.segment,
  conditions: rule.conditions.map((c) => ({ ...c })),
  rollout_percentage: toPercentage(rule.rolloutBasisPoints),
  variants: rule.variants.map(toSplit),
});

export const toOverrideResponse: (o: Override) => z.infer<typeof overrideResponseSchema> = toOverride;

/**
 * Who gets a flag in one environment besides its status and percentage: its rules, overrides and
 * prerequisites. Every body, response and document that carries them spreads these, so a new setting
 * of this kind is written here once (with its conversion in core-form.ts).
 */
export const targetingFields = {
  rules: rulesSchema.default([]),
  overrides: overridesSchema.default([]),
  prerequisites: prerequisitesSchema.default([]),
};

/** The same in a partial update: each left out is left unchanged. */
export const targetingChangeFields = {
  rules: rulesSchema.optional(),
  overrides: overridesSchema.optional(),
  prerequisites: prerequisitesSchema.optional(),
};

export const targetingResponseFields = {
  rules: z.array(ruleResponseSchema),
  overrides: z.array(overrideResponseSchema),
  prerequisites: z.array(prerequisiteResponseSchema),
};

export const toTargetingResponse = (settings: Pick<FlagSettings, keyof typeof targetingFields>) => ({
  rules: settings.rules.map(toRuleResponse),
  overrides: settings.overrides.map(toOverrideResponse),
  prerequisites: settings.prerequisites.map((p) => ({ flag: p.flag, variant: p.variant })),
});
