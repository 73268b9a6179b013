/** A flag's definition: what it is in every environment of its project, and where it is in use. */
import type { DefinitionInUse } from '../../core/projects.js';
import { FLAG_KINDS, VALUE_TYPES } from '../../core/flags.js';
import {
  variantSchema,
  descriptionSchema,
  kindSchema,
  tagsSchema,
  valueTypeSchema,
  offVariantSchema,
} from './flag-schemas.js';
import type { CreateFlagDefinition, DefinitionFields } from '../../core/commands.js';
import {
  checkUnique,
  checkWeightsTotal,
  flagNameSchema,
  rolloutPercentageSchema,
  versionSchema,
} from '../../http/common-schemas.js';
import {
  fromDefinition,
  fromWholeDefinition,
  toBasisPoints,
  toDefinition,
  toPercentage,
} from '../../http/core-form.js';
import { z } from 'zod';

/** A variant as the definition has it: its weight applies where the variants' keys change (and on create). */
const definitionVariantSchema = variantSchema.extend({
  weight: variantSchema.shape.weight
    .optional()
    .describe('Share of the users who get the flag, 0–100; where left out, the variants are split equally'),
});

const definitionVariantsSchema = z
  .array(definitionVariantSchema)
  .max(20)
  .superRefine((variants, context) => {
    checkUnique(variants, 'key', 'variant', context);
    if (variants.every((v) => v.weight !== undefined)) checkWeightsTotal(variants as { weight: number }[], context);
    else if (variants.some((v) => v.weight !== undefined))
      context.addIssue({ code: 'custom', message: 'give every variant a weight, or none (split equally)' });
  })
  .describe(
    "The flag's variants and payloads, shared by every environment; each environment sets their weights. " +
      "Where the variants' keys change, every environment takes the weights given here",
  );

const createDefinitionBody = z
  .strictObject({
    flag_name: flagNameSchema,
    description: descriptionSchema.default(null),
    kind: kindSchema.default('release'),
    tags: tagsSchema.default([]),
    value_type: valueTypeSchema.default('boolean'),
    variants: definitionVariantsSchema.default([]),
    off_variant: offVariantSchema.default(null),
    rollout_percentage: rolloutPercentageSchema
      .optional()
      .describe('The percentage of users every environment gets once the flag is turned on there; 100 when left out'),
  })
  .describe('A new flag is off in every environment of the project')
  .meta({
    id: 'CreateFlagDefinition',
    example: { flag_name: 'new_checkout', description: 'One-page checkout', kind: 'release', tags: ['team:checkout'] },
  });

export const createDefinitionBodySchema = z.codec(createDefinitionBody, z.custom<CreateFlagDefinition['payload']>(), {
  decode: ({ flag_name, rollout_percentage, ...body }) => ({
    name: flag_name,
    rolloutBasisPoints: toBasisPoints(rollout_percentage ?? 100),
    ...fromWholeDefinition(body),
  }),
  encode: ({ name, rolloutBasisPoints, ...fields }) =>
    ({
      flag_name: name,
      // The default (the seed's 100) is left out, as a person writing the command would.
      ...(rolloutBasisPoints !== 10_000 && { rollout_percentage: toPercentage(rolloutBasisPoints) }),
      ...toDefinition(fields),
    }) as z.output<typeof createDefinitionBody>,
});

const updateDefinitionBody = z
  .strictObject({
    description: descriptionSchema.optional(),
    kind: kindSchema.optional(),
    tags: tagsSchema.optional(),
    value_type: valueTypeSchema.optional(),
    variants: definitionVariantsSchema.optional(),
    off_variant: offVariantSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of description, kind, tags, value_type, variants, off_variant',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'UpdateFlagDefinition', example: { tags: ['team:checkout', 'q4'] } });

export const updateDefinitionBodySchema = z.codec(updateDefinitionBody, z.custom<Partial<DefinitionFields>>(), {
  decode: fromDefinition,
  encode: (fields) => toDefinition(fields) as z.output<typeof updateDefinitionBody>,
});

export const staleSchema = z
  .object({
    reason: z
      .enum(['past_expected_lifetime', 'not_evaluated'])
      .describe("past_expected_lifetime: older than its kind's lifetime; not_evaluated: not evaluated for 30 days"),
    detail: z.string(),
  })
  .nullable()
  .describe('null while the flag is in use and within its expected lifetime');

export const definitionSchema = z
  .object({
    flag_name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(FLAG_KINDS),
    tags: z.array(z.string()),
    value_type: z.enum(VALUE_TYPES),
    variants: z.array(z.object({ key: z.string(), payload: z.unknown(), value: z.unknown().optional() })),
    off_variant: z.string().nullable(),
    environments: z
      .record(
        z.string(),
        z.object({
          status: z.boolean(),
          rollout_percentage: z.number(),
          last_evaluated_at: z.string().nullable().describe('ISO 8601, UTC; null when never evaluated'),
          version: z.number().int().describe("The environment's settings' version"),
        }),
      )
      .describe("Each environment's status, percentage and last evaluation, by environment key"),
    stale: staleSchema,
    version: versionSchema,
    created_at: z.string().describe('ISO 8601, UTC'),
    updated_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({ id: 'FlagDefinition' });

export type DefinitionResponse = z.infer<typeof definitionSchema>;

export const definitionPageSchema = z
  .object({
    flags: z.array(definitionSchema),
    next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
  })
  .meta({ id: 'FlagDefinitionPage' });

export const toDefinitionResponse = ({ definition, environments, stale }: DefinitionInUse): DefinitionResponse => ({
  flag_name: definition.name,
  description: definition.description,
  kind: definition.kind,
  tags: definition.tags,
  value_type: definition.valueType,
  variants: definition.variants.map((v) => ({
    key: v.key,
    payload: v.payload,
    ...(definition.valueType !== 'boolean' && { value: v.value }),
  })),
  off_variant: definition.offVariant,
  environments: Object.fromEntries(
    environments.map(({ environment, config, lastEvaluatedAt }) => [
      environment.key,
      {
        status: config?.status ?? false,
        rollout_percentage: toPercentage(config?.rolloutBasisPoints ?? 0),
        last_evaluated_at: lastEvaluatedAt === null ? null : new Date(lastEvaluatedAt).toISOString(),
        version: config?.version ?? 0,
      },
    ]),
  ),
  stale,
  version: definition.version,
  created_at: definition.createdAt.toISOString(),
  updated_at: definition.updatedAt.toISOString(),
});
