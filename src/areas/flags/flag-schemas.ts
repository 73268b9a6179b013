import type { NewFlag, FlagChanges } from '../../core/commands.js';
import { FLAG_KINDS, type Flag, type FlagConfigChanges, VALUE_TYPES } from '../../core/flags.js';
import { type Impact, IMPACT_WINDOW_MS } from '../../core/impact.js';
import {
  storableText,
  rolloutPercentageSchema,
  jsonValueSchema,
  checkUnique,
  checkWeightsTotal,
  flagNameSchema,
} from '../../http/common-schemas.js';
import {
  fromNewFlag,
  toNewFlag,
  fromFlagChanges,
  toFlagChanges,
  toPercentage,
  fromSettings,
  toSettings,
} from '../../http/core-form.js';
import {
  targetingChangeFields,
  targetingFields,
  targetingResponseFields,
  toTargetingResponse,
} from '../../http/targeting-schemas.js';
import { z } from 'zod';

export const descriptionSchema = storableText(z.string().max(1000))
  .nullable()
  .describe('Free text, at most 1,000 characters');

export const variantSchema = z.strictObject({
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
  value: jsonValueSchema
    .optional()
    .describe(
      "The flag's value for this variant, of its value_type (OpenFeature's string, number or object value); " +
        'left out for boolean flags',
    ),
});

export const valueTypeSchema = z
  .enum(VALUE_TYPES)
  .describe(
    "What OpenFeature gets as the value: boolean (whether the flag is on, the default), or the variant's " +
      'string, number or object value',
  );

export const offVariantSchema = z
  .string()
  .min(1)
  .max(50)
  .nullable()
  .describe('The variant served (payload and value) to users the flag is off for; null for none');

export const kindSchema = z
  .enum(FLAG_KINDS)
  .describe(
    'How long the flag is expected to live: release and experiment 40 days, operational 7; kill_switch and ' +
      'permission flags are meant to stay. Past it, the flag is reported stale',
  );

const tagSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'must start with a letter or digit and contain only letters, digits, "_", "-", "." and ":"',
  );

export const tagsSchema = z
  .array(tagSchema)
  .max(20)
  .superRefine((tags, context) => checkUnique(tags, null, 'tag', context))
  .describe('Labels to find flags by (?tag=), e.g. "team:checkout"');

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

const createFlagBody = z
  .strictObject({
    flag_name: flagNameSchema,
    status: z.boolean().default(false).describe('On or off; defaults to off'),
    rollout_percentage: rolloutPercentageSchema.default(100),
    description: descriptionSchema.default(null),
    kind: kindSchema.default('release'),
    tags: tagsSchema.default([]),
    value_type: valueTypeSchema.default('boolean'),
    variants: variantsSchema.default([]),
    off_variant: offVariantSchema.default(null),
    ...targetingFields,
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

/** The seed's create: the flag's definition and this environment's settings, as the core holds them. */
export const createFlagBodySchema = z.codec(createFlagBody, z.custom<NewFlag>(), {
  decode: fromNewFlag,
  encode: (flag) => toNewFlag(flag) as z.output<typeof createFlagBody>,
});

const updateFlagFields = {
  status: z.boolean().optional(),
  rollout_percentage: rolloutPercentageSchema.optional(),
  description: descriptionSchema.optional(),
  kind: kindSchema.optional(),
  tags: tagsSchema.optional(),
  value_type: valueTypeSchema.optional(),
  variants: variantsSchema.optional(),
  off_variant: offVariantSchema.optional(),
  ...targetingChangeFields,
};
const updateFlagBody = z
  .strictObject(updateFlagFields)
  .refine((body) => Object.keys(body).length > 0, {
    message: `send at least one of ${Object.keys(updateFlagFields).join(', ')}`,
    // Only worth saying when the body is otherwise valid (an unknown field is the better message).
    when: (payload) => payload.issues.length === 0,
  })
  .describe('Only the fields sent change; flag_name cannot be changed')
  .meta({ id: 'UpdateFlag', example: { rollout_percentage: 50 } });

/** The seed's update: what it sends of the definition and of this environment's settings, apart. */
export const updateFlagBodySchema = z.codec(updateFlagBody, z.custom<FlagChanges>(), {
  decode: fromFlagChanges,
  encode: (changes) => toFlagChanges(changes) as z.output<typeof updateFlagBody>,
});

export const flagSchema = z
  .object({
    flag_name: z.string(),
    status: z.boolean(),
    rollout_percentage: z.number(),
    description: z.string().nullable(),
    kind: z.enum(FLAG_KINDS),
    tags: z.array(z.string()),
    value_type: z.enum(VALUE_TYPES),
    // payload is any JSON; z.unknown() because fast-json-stringify cannot compile z.json()'s recursive schema.
    variants: z.array(
      z.object({
        key: z.string(),
        weight: z.number(),
        payload: z.unknown(),
        value: z.unknown().optional().describe("Of the flag's value_type; absent for boolean flags"),
      }),
    ),
    off_variant: z.string().nullable(),
    ...targetingResponseFields,
    version: z.number().int().describe("This environment's settings' version, raised by every change of them"),
    definition_version: z.number().int().describe("The definition's version, shared by the project's environments"),
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
      kind: 'release',
      tags: [],
      value_type: 'boolean',
      variants: [],
      off_variant: null,
      rules: [],
      overrides: [],
      prerequisites: [],
      version: 1,
      definition_version: 1,
      created_at: '2026-11-27T10:00:00.000Z',
      updated_at: '2026-11-27T10:00:00.000Z',
    },
  });

export type FlagResponse = z.infer<typeof flagSchema>;

export function toFlagResponse(flag: Flag): FlagResponse {
  return {
    flag_name: flag.name,
    status: flag.status,
    rollout_percentage: toPercentage(flag.rolloutBasisPoints),
    description: flag.description,
    kind: flag.kind,
    tags: flag.tags,
    value_type: flag.valueType,
    variants: flag.variants.map((v) => ({
      key: v.key,
      weight: toPercentage(v.weightBasisPoints),
      payload: v.payload,
      ...(flag.valueType !== 'boolean' && { value: v.value }),
    })),
    off_variant: flag.offVariant,
    ...toTargetingResponse(flag),
    version: flag.version,
    definition_version: flag.definitionVersion,
    created_at: flag.createdAt.toISOString(),
    updated_at: flag.updatedAt.toISOString(),
  };
}

/** One environment's settings of a flag: its variants' weights only, never their keys or payloads. */
const updateSettingsFields = {
  status: z.boolean().optional(),
  rollout_percentage: rolloutPercentageSchema.optional(),
  variants: z
    .array(z.strictObject({ key: z.string(), weight: rolloutPercentageSchema }))
    .superRefine((variants, context) => {
      checkUnique(variants, 'key', 'variant', context);
      checkWeightsTotal(variants, context);
    })
    .optional()
    .describe("Every one of the flag's variants with its weight in this environment, adding up to 100"),
  ...targetingChangeFields,
};
const updateSettingsBody = z
  .strictObject(updateSettingsFields)
  .refine((body) => Object.keys(body).length > 0, {
    message: `send at least one of ${Object.keys(updateSettingsFields).join(', ')}`,
    when: (payload) => payload.issues.length === 0,
  })
  .describe("Only the fields sent change; the flag's definition (description, kind, tags, variants) is the project's")
  .meta({ id: 'UpdateFlagSettings', example: { status: true, rollout_percentage: 10 } });

export const updateSettingsBodySchema = z.codec(updateSettingsBody, z.custom<FlagConfigChanges>(), {
  decode: fromSettings,
  encode: (changes) => toSettings(changes) as z.output<typeof updateSettingsBody>,
});

const booleanQuery = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .describe('true or false');

/** Flag lists: unknown parameters are refused, so a typo never silently lists everything. */
export const flagListQuerySchema = z.strictObject({
  q: z.string().min(1).max(100).optional().describe('Only flags whose name or description contains this (any case)'),
  tag: tagSchema.optional().describe('Only flags with this tag'),
  stale: booleanQuery.optional().describe('Only stale flags (true) or only flags in use (false)'),
  limit: z.coerce
    .number({ error: 'must be a number, given once' })
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('At most this many flags; the next page is in next_cursor and the Link header'),
  cursor: z.string().min(1).max(200).optional().describe('next_cursor from the previous page'),
});

export type FlagListQuery = z.infer<typeof flagListQuerySchema>;

const impactUsers = (what: string) =>
  z.object({ count: z.number().int(), examples: z.array(z.string()).describe(`Up to 5 of the users ${what}`) });

export const impactSchema = z
  .object({
    window_hours: z.number().int().describe('How far back the sample of users reaches'),
    users: z.number().int().describe('Users who evaluated the flag in this environment within the window'),
    turning_on: impactUsers('the flag would turn on for'),
    turning_off: impactUsers('the flag would turn off for'),
    changing_variant: impactUsers('who would get another variant'),
    unchanged: z.number().int(),
  })
  .meta({ id: 'Impact' });

export function toImpactResponse(impact: Impact): z.infer<typeof impactSchema> {
  const { examples } = impact;
  return {
    window_hours: IMPACT_WINDOW_MS / 3_600_000,
    users: impact.users,
    turning_on: { count: impact.turningOn, examples: examples.turningOn },
    turning_off: { count: impact.turningOff, examples: examples.turningOff },
    changing_variant: { count: impact.changingVariant, examples: examples.changingVariant },
    unchanged: impact.unchanged,
  };
}
