/** What differs between two environments, and promotion from one to another, as the API shows them. */
import type { PromoteFlag, PromoteEnvironment } from '../../core/commands.js';
import type { FieldChange, Promotion } from '../../core/projects.js';
import { keySchema, flagNameSchema, checkUnique } from '../../http/common-schemas.js';
import { z } from 'zod';

export const fieldChangeSchema = z.object({
  field: z
    .string()
    .describe(
      '"status", "rollout_percentage", "variants.<key>.weight", "rules[<i>]", "overrides.<user>" or ' +
        '"prerequisites.<flag>"',
    ),
  change: z.enum(['added', 'removed', 'changed']),
  before: z.unknown().describe('In the target now; null when added'),
  after: z.unknown().describe('In the target once promoted; null when removed'),
});

const flagDiffSchema = z
  .object({ flag_name: z.string(), changes: z.array(fieldChangeSchema) })
  .meta({ id: 'FlagDiff' });

export const toFieldChanges = (changes: FieldChange[]) =>
  changes.map((c) => ({ field: c.field, change: c.change, before: c.before ?? null, after: c.after ?? null }));

export const diffQuerySchema = z.strictObject({
  from: keySchema.describe('The environment whose settings would be promoted'),
  to: keySchema.describe('The environment that would take them'),
});

export const diffSchema = flagDiffSchema
  .extend({ from: z.string(), to: z.string() })
  .meta({ id: 'FlagEnvironmentDiff' });

const promoteFlagBody = z
  .strictObject({
    from: keySchema.describe('The environment whose settings are copied'),
    to: keySchema.describe('The environment that takes them'),
    dry_run: z.boolean().default(false).describe('Only answer the difference'),
  })
  .meta({ id: 'PromoteFlag', example: { from: 'staging', to: 'production', dry_run: true } });

export const promoteFlagBodySchema = z.codec(promoteFlagBody, z.custom<PromoteFlag['payload']>(), {
  decode: ({ dry_run, ...fields }) => ({ ...fields, dryRun: dry_run }),
  encode: ({ dryRun, ...fields }) => ({ ...fields, dry_run: dryRun }),
});

const promoteEnvironmentBody = z
  .strictObject({
    from: keySchema.describe('The environment whose settings are copied into this one'),
    flags: z
      .array(flagNameSchema)
      .min(1)
      .max(10_000)
      .superRefine((list, context) => checkUnique(list, null, 'flag', context))
      .optional()
      .describe('Only these flags; every flag of the project when left out'),
    dry_run: z.boolean().default(false),
  })
  .meta({ id: 'PromoteEnvironment', example: { from: 'staging', flags: ['new_checkout'], dry_run: true } });

export const promoteEnvironmentBodySchema = z.codec(
  promoteEnvironmentBody,
  z.custom<Omit<PromoteEnvironment['payload'], 'to'>>(),
  {
    decode: ({ dry_run, flags, ...fields }) => ({ ...fields, flags: flags ?? null, dryRun: dry_run }),
    encode: ({ dryRun, flags, ...fields }) => ({ ...fields, ...(flags !== null && { flags }), dry_run: dryRun }),
  },
);

/** The same, with the target in it (the route's path names it): a command's payload. */
export const promotionPayloadSchema = z.codec(
  promoteEnvironmentBody.extend({ to: keySchema.describe('The environment that takes them') }),
  z.custom<PromoteEnvironment['payload']>(),
  {
    decode: ({ dry_run, flags, ...fields }) => ({ ...fields, flags: flags ?? null, dryRun: dry_run }),
    encode: ({ dryRun, flags, ...fields }) => ({ ...fields, ...(flags !== null && { flags }), dry_run: dryRun }),
  },
);

export const promotionSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    flags: z.array(flagDiffSchema).describe('Only the flags that differ'),
    applied: z.boolean().describe('false for a dry run, and when nothing differs'),
  })
  .meta({ id: 'Promotion' });

export const toPromotionResponse = (p: Promotion): z.infer<typeof promotionSchema> => ({
  from: p.from,
  to: p.to,
  flags: p.flags.map((f) => ({ flag_name: f.flagName, changes: toFieldChanges(f.changes) })),
  applied: p.applied,
});
