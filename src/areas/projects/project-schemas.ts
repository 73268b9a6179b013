import { z } from 'zod';
import type {
  ImportProject,
  NewEnvironmentFields,
  NewProjectFields,
  PromoteEnvironment,
  PromoteFlag,
} from '../../core/commands.js';
import type { DefinitionInUse } from '../../core/projects.js';
import type { FlagSettings } from '../../core/flags.js';
import type { Environment, FieldChange, FlagsDocument, ImportResult, Project, Promotion } from '../../core/projects.js';
import { fromSettings, toPercentage, toSplit } from '../../http/core-form.js';
import { giveTurnIfHeld } from '../../support/event-loop.js';
import {
  checkUnique,
  checkWeightsTotal,
  flagNameSchema,
  jsonValueSchema,
  keySchema,
  storableText,
  versionSchema,
} from '../../http/common-schemas.js';
import {
  type DefinitionResponse,
  kindSchema,
  offVariantSchema,
  tagsSchema,
  valueTypeSchema,
} from '../flags/flag-schemas.js';
import { segmentBodySchema } from '../segments/segment-schemas.js';
import {
  overridesSchema,
  prerequisitesSchema,
  rulesSchema,
  toOverrideResponse,
  toRuleResponse,
} from '../../http/targeting-schemas.js';

const nameSchema = storableText(z.string().trim().min(1).max(100));
const descriptionSchema = storableText(z.string().max(1000)).nullable();

export const projectParamsSchema = z.object({ project: keySchema });
export const environmentParamsSchema = z.object({ project: keySchema, environment: keySchema });
export const projectFlagParamsSchema = z.object({ project: keySchema, flag_name: flagNameSchema });
export const environmentFlagParamsSchema = z.object({
  project: keySchema,
  environment: keySchema,
  flag_name: flagNameSchema,
});

const environmentSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    position: z.number().int().describe('Its place in the project, 0 first (development before production)'),
    version: versionSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Environment' });

export const projectSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    environments: z.array(environmentSchema).describe('In order'),
    version: versionSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Project' });

export const toEnvironmentResponse = (e: Environment): z.infer<typeof environmentSchema> => ({
  key: e.key,
  name: e.name,
  position: e.position,
  version: e.version,
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

export const toProjectResponse = (
  project: Project,
  environments: readonly Environment[],
): z.infer<typeof projectSchema> => ({
  key: project.key,
  name: project.name,
  description: project.description,
  environments: environments.map(toEnvironmentResponse),
  version: project.version,
  created_at: project.createdAt.toISOString(),
  updated_at: project.updatedAt.toISOString(),
});

const environmentEntrySchema = z.strictObject({ key: keySchema, name: nameSchema });

const createProjectBody = z
  .strictObject({
    key: keySchema.describe('Unique; used in paths, e.g. "checkout"'),
    name: nameSchema,
    description: descriptionSchema.default(null),
    environments: z
      .array(environmentEntrySchema)
      .min(1)
      .max(20)
      .superRefine((list, context) => checkUnique(list, 'key', 'environment', context))
      .optional()
      .describe('In order; development and production when left out'),
  })
  .meta({ id: 'CreateProject', example: { key: 'checkout', name: 'Checkout team' } });

export const createProjectBodySchema = z.codec(createProjectBody, z.custom<NewProjectFields>(), {
  decode: ({ environments, ...fields }) => ({ ...fields, environments: environments ?? null }),
  encode: ({ environments, ...fields }) => ({ ...fields, ...(environments !== null && { environments }) }),
});

export const updateProjectBodySchema = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .refine((body) => Object.keys(body).length > 0, { message: 'send name or description' })
  .meta({ id: 'UpdateProject' });

const createEnvironmentBody = z
  .strictObject({
    key: keySchema,
    name: nameSchema,
    position: z.number().int().min(0).optional().describe('Its place in the project, 0 first; last when left out'),
    copy_from: keySchema
      .optional()
      .describe("Another environment whose every flag's settings it starts with; else every flag is off there"),
  })
  .meta({
    id: 'CreateEnvironment',
    example: { key: 'staging', name: 'Staging', position: 1, copy_from: 'development' },
  });

export const createEnvironmentBodySchema = z.codec(createEnvironmentBody, z.custom<NewEnvironmentFields>(), {
  decode: ({ position, copy_from, ...fields }) => ({
    ...fields,
    position: position ?? null,
    copyFrom: copy_from ?? null,
  }),
  encode: ({ position, copyFrom, ...fields }) => ({
    ...fields,
    ...(position !== null && { position }),
    ...(copyFrom !== null && { copy_from: copyFrom }),
  }),
});

export const updateEnvironmentBodySchema = z
  .strictObject({
    key: keySchema.optional().describe('A new key (renames it in paths; keys bound to it follow)'),
    name: nameSchema.optional(),
    position: z.number().int().min(0).optional().describe('Moves it; the others shift'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'send key, name or position' })
  .meta({ id: 'UpdateEnvironment' });

export const confirmQuerySchema = z.strictObject({
  confirm: keySchema.optional().describe('Its key again: needed when it still holds flags, which are deleted with it'),
});

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

const fieldChangeSchema = z.object({
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

// Flags as code: the document, the same going out (export) as coming in (import).

const settingsDocumentSchema = z.strictObject({
  status: z.boolean().default(false),
  rollout_percentage: z.number().min(0).max(100).default(100),
  variants: z
    .array(z.strictObject({ key: z.string().min(1).max(50), weight: z.number().min(0).max(100) }))
    .default([])
    .superRefine((variants, context) => {
      checkUnique(variants, 'key', 'variant', context);
      checkWeightsTotal(variants, context);
    }),
  rules: rulesSchema.default([]),
  overrides: overridesSchema.default([]),
  prerequisites: prerequisitesSchema.default([]),
});

const documentFlagSchema = z.strictObject({
  flag_name: flagNameSchema,
  description: descriptionSchema.default(null),
  kind: kindSchema.default('release'),
  tags: tagsSchema.default([]),
  value_type: valueTypeSchema.default('boolean'),
  off_variant: offVariantSchema.default(null),
  variants: z
    .array(
      z.strictObject({
        key: z.string().min(1).max(50),
        payload: jsonValueSchema.default(null),
        value: jsonValueSchema.optional(),
      }),
    )
    .max(20)
    .default([])
    .superRefine((variants, context) => checkUnique(variants, 'key', 'variant', context)),
  environments: z.record(keySchema, settingsDocumentSchema).default({}).describe('Settings by environment key'),
});

export const flagsDocumentSchema = z
  .strictObject({
    version: z.literal(1).describe('The document format; 1'),
    project: z
      .strictObject({ key: keySchema, name: nameSchema, description: descriptionSchema.default(null) })
      .optional()
      .describe('Where it came from; an import goes into the project in the path'),
    environments: z.array(environmentEntrySchema).default([]).describe("In the project's order"),
    segments: z
      .array(segmentBodySchema)
      .default([])
      .superRefine((list, context) => checkUnique(list, 'name', 'segment', context)),
    flags: z
      .array(documentFlagSchema)
      .default([])
      .superRefine((list, context) => checkUnique(list, 'flag_name', 'flag', context)),
  })
  .meta({ id: 'FlagsDocument' });

/**
 * The import's body as its route checks it before the handler: importBodySchema (which the OpenAPI
 * document shows) with the flags left for checkFlagsInTurns. A document of thousands of flags took a
 * quarter of a second to check in one go, and evaluations waited for it.
 */
export const importEnvelopeSchema = z.strictObject({
  ...importBodyShape(),
  document: flagsDocumentSchema.extend({ flags: z.array(z.unknown()).default([]) }),
});

const uniqueFlagNames = z
  .array(z.object({ flag_name: z.string() }))
  .superRefine((list, context) => checkUnique(list, 'flag_name', 'flag', context));

/**
 * The document's flags, each checked with documentFlagSchema in turn, the event loop given its turns
 * between them; then their names checked to differ, as flagsDocumentSchema does. Throws a ZodError
 * holding every issue at its path in the body.
 */
export async function checkFlagsInTurns(flags: unknown[]): Promise<z.output<typeof documentFlagSchema>[]> {
  const checked: z.output<typeof documentFlagSchema>[] = [];
  const issues: z.core.$ZodIssue[] = [];
  for (const [index, flag] of flags.entries()) {
    const result = documentFlagSchema.safeParse(flag);
    if (result.success) checked.push(result.data);
    else
      issues.push(
        ...result.error.issues.map((issue) => ({ ...issue, path: ['document', 'flags', index, ...issue.path] })),
      );
    await giveTurnIfHeld();
  }
  if (issues.length === 0) {
    const names = uniqueFlagNames.safeParse(checked);
    if (!names.success)
      issues.push(...names.error.issues.map((i) => ({ ...i, path: ['document', 'flags', ...i.path] })));
  }
  if (issues.length > 0) throw new z.ZodError(issues);
  return checked;
}

export type FlagsDocumentBody = z.output<typeof flagsDocumentSchema>;

export const exportQuerySchema = z.strictObject({
  environments: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*(,[A-Za-z0-9][A-Za-z0-9_.-]*)*$/, 'a comma-separated list of environment keys')
    .optional()
    .describe('Only these environments (comma-separated keys); all when left out'),
});

function importBodyShape() {
  return {
    mode: z
      .enum(['merge', 'replace'])
      .default('merge')
      .describe('merge adds and changes; replace also removes the flags and segments the document does not hold'),
    dry_run: z.boolean().default(false).describe('Only answer what would change'),
  };
}

export const importBodySchema = z
  .strictObject({ document: flagsDocumentSchema, ...importBodyShape() })
  .meta({ id: 'Import' });

/** An import as a command carries it: the document as the core reads it. */
export const importPayloadSchema = z.codec(importBodySchema, z.custom<ImportProject['payload']>(), {
  decode: ({ document, mode, dry_run }) => ({
    document: fromDocument(document, document.project?.key ?? ''),
    mode,
    dryRun: dry_run,
  }),
  encode: ({ document, mode, dryRun }) => ({
    document: toDocument(document) as z.output<typeof flagsDocumentSchema>,
    mode,
    dry_run: dryRun,
  }),
});

export const importResultSchema = z
  .object({
    mode: z.enum(['merge', 'replace']),
    changes: z.array(
      z.object({
        type: z.enum(['environment', 'segment', 'flag']),
        name: z.string(),
        change: z.enum(['added', 'removed', 'changed']),
        fields: z
          .array(fieldChangeSchema)
          .describe('For flags: the definition\'s fields, then "<environment>.<field>"'),
      }),
    ),
    applied: z.boolean().describe('false for a dry run, and when the document changes nothing'),
  })
  .meta({ id: 'ImportResult' });

export const toImportResultResponse = (r: ImportResult): z.infer<typeof importResultSchema> => ({
  mode: r.mode,
  changes: r.changes.map((c) => ({ ...c, fields: toFieldChanges(c.fields) })),
  applied: r.applied,
});

/** Every field is there: the document's schema fills in its defaults. */
const toSettings = (s: z.output<typeof settingsDocumentSchema>): FlagSettings => fromSettings(s) as FlagSettings;

/** The document as the service reads it. */
export function fromDocument(document: z.output<typeof flagsDocumentSchema>, projectKey: string): FlagsDocument {
  return {
    project: document.project ?? { key: projectKey, name: projectKey, description: null },
    environments: document.environments,
    segments: document.segments.map((s) => ({
      name: s.name,
      description: s.description,
      conditions: s.conditions,
      userIds: s.user_ids,
    })),
    flags: document.flags.map((f) => ({
      name: f.flag_name,
      description: f.description,
      kind: f.kind,
      tags: f.tags,
      valueType: f.value_type,
      variants: f.variants.map((v) => ({ key: v.key, payload: v.payload, value: v.value ?? null })),
      offVariant: f.off_variant,
      environments: new Map(Object.entries(f.environments).map(([key, settings]) => [key, toSettings(settings)])),
    })),
  };
}

/** The document as GET …/export answers it: every field written out, in a stable order. */
export function toDocument(document: FlagsDocument): FlagsDocumentBody {
  // Conditions are the core's (read-only lists), the same values the schema's types describe.
  return {
    version: 1,
    project: document.project,
    environments: document.environments,
    segments: document.segments.map((s) => ({
      name: s.name,
      description: s.description,
      conditions: s.conditions,
      user_ids: s.userIds,
    })),
    flags: document.flags.map((f) => ({
      flag_name: f.name,
      description: f.description,
      kind: f.kind,
      tags: f.tags,
      value_type: f.valueType,
      off_variant: f.offVariant,
      // A boolean flag's variants carry no value: left out, as the document takes them.
      variants: f.variants.map((v) => (f.valueType === 'boolean' ? { key: v.key, payload: v.payload } : v)),
      environments: Object.fromEntries(
        [...f.environments].map(([key, s]) => [
          key,
          {
            status: s.status,
            rollout_percentage: toPercentage(s.rolloutBasisPoints),
            variants: s.weights.map(toSplit),
            rules: s.rules.map((r) => {
              const { segment, ...rest } = toRuleResponse(r);
              return segment === null ? rest : { segment, ...rest };
            }),
            overrides: s.overrides.map(toOverrideResponse),
            prerequisites: s.prerequisites.map((p) => ({ flag: p.flag, variant: p.variant })),
          },
        ]),
      ),
    })),
  } as FlagsDocumentBody;
}
