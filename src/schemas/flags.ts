import { z } from 'zod';
import type { Flag } from '../core/model.js';
import { basisPointsToPercentage } from '../core/rollout.js';
import {
  checkUnique,
  checkWeightsTotal,
  flagNameSchema,
  jsonValueSchema,
  rolloutPercentageSchema,
  storableText,
} from './common.js';
import {
  overrideResponseSchema,
  overridesSchema,
  prerequisiteResponseSchema,
  prerequisitesSchema,
  ruleResponseSchema,
  rulesSchema,
  toOverrideResponse,
  toRuleResponse,
} from './targeting.js';

const descriptionSchema = storableText(z.string().max(1000)).nullable().describe('Free text, at most 1,000 characters');

const variantSchema = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(50)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      'must start with a letter or digit and contain only letters, digits, "_", "-" and "."',
    )
    .describe('Unique within the flag, e.g. "control", "blue_button"'),
  weight: rolloutPercentageSchema.describe('Share of the users who get the flag, 0–100 with at most two decimals'),
  payload: jsonValueSchema.default(null).describe('Any JSON the client needs for this variant; null by default'),
});

const variantsSchema = z
  .array(variantSchema)
  .max(20)
  .superRefine((variants, context) => {
    checkUnique(variants, 'key', 'variant', context);
    checkWeightsTotal(variants, context);
  })
  .describe(
    'A/B/n variants; their weights add up to 100. Users who get the flag are spread over them by their bucket. ' +
      '[] for a plain on/off flag',
  );

export const flagParamsSchema = z.object({ flag_name: flagNameSchema });

export const createFlagBodySchema = z
  .strictObject({
    flag_name: flagNameSchema,
    status: z.boolean().default(false).describe('On or off; defaults to off'),
    rollout_percentage: rolloutPercentageSchema.default(100),
    description: descriptionSchema.default(null),
    variants: variantsSchema.default([]),
    rules: rulesSchema.default([]),
    overrides: overridesSchema.default([]),
    prerequisites: prerequisitesSchema.default([]),
  })
  .meta({
    id: 'CreateFlag',
    example: {
      flag_name: 'beta_search',
      status: true,
      rollout_percentage: 25,
      description: 'New search algorithm - 25% rollout',
    },
  });

export const updateFlagBodySchema = z
  .strictObject({
    status: z.boolean().optional(),
    rollout_percentage: rolloutPercentageSchema.optional(),
    description: descriptionSchema.optional(),
    variants: variantsSchema.optional(),
    rules: rulesSchema.optional(),
    overrides: overridesSchema.optional(),
    prerequisites: prerequisitesSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of status, rollout_percentage, description, variants, rules, overrides, prerequisites',
    // Only worth saying when the body is otherwise valid (an unknown field is the better message).
    when: (payload) => payload.issues.length === 0,
  })
  .describe('Only the fields sent change; flag_name cannot be changed')
  .meta({ id: 'UpdateFlag', example: { rollout_percentage: 50 } });

export const flagSchema = z
  .object({
    flag_name: z.string(),
    status: z.boolean(),
    rollout_percentage: z.number(),
    description: z.string().nullable(),
    // payload is any JSON; z.unknown() because fast-json-stringify cannot compile z.json()'s recursive schema.
    variants: z.array(z.object({ key: z.string(), weight: z.number(), payload: z.unknown() })),
    rules: z.array(ruleResponseSchema),
    overrides: z.array(overrideResponseSchema),
    prerequisites: z.array(prerequisiteResponseSchema),
    created_at: z.string().describe('ISO 8601, UTC'),
    updated_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({
    id: 'Flag',
    example: {
      flag_name: 'beta_search',
      status: true,
      rollout_percentage: 25,
      description: 'New search algorithm - 25% rollout',
      variants: [],
      rules: [],
      overrides: [],
      prerequisites: [],
      created_at: '2026-11-27T10:00:00.000Z',
      updated_at: '2026-11-27T10:00:00.000Z',
    },
  });

export type FlagResponse = z.infer<typeof flagSchema>;

export function toFlagResponse(flag: Flag): FlagResponse {
  return {
    flag_name: flag.name,
    status: flag.status,
    rollout_percentage: basisPointsToPercentage(flag.rolloutBasisPoints),
    description: flag.description,
    variants: flag.variants.map((v) => ({
      key: v.key,
      weight: basisPointsToPercentage(v.weightBasisPoints),
      payload: v.payload,
    })),
    rules: flag.rules.map(toRuleResponse),
    overrides: flag.overrides.map(toOverrideResponse),
    prerequisites: flag.prerequisites.map((p) => ({ flag: p.flag, variant: p.variant })),
    created_at: flag.createdAt.toISOString(),
    updated_at: flag.updatedAt.toISOString(),
  };
}
