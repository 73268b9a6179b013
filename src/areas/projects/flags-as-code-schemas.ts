import { kindSchema, tagsSchema, valueTypeSchema, offVariantSchema } from '../flags/flag-schemas.js';
import { descriptionSchema, nameSchema, environmentEntrySchema } from './project-schemas.js';
import { fieldChangeSchema, toFieldChanges } from './promotion-schemas.js';
import { segmentBodySchema } from '../segments/segment-schemas.js';
import type { ImportProject } from '../../core/commands.js';
import type { FlagSettings } from '../../core/flags.js';
import type { FlagsDocument, ImportResult } from '../../core/projects.js';
import {
  checkUnique,
  checkWeightsTotal,
  flagNameSchema,
  jsonValueSchema,
  keySchema,
} from '../../http/common-schemas.js';
import { fromSettings, toSettings as toSettingsBody } from '../../http/core-form.js';
import { targetingFields } from '../../http/targeting-schemas.js';
import { giveTurnIfHeld } from '../../support/event-loop.js';
import { z } from 'zod';

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
  ...targetingFields,
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
          // As a request sends them: in the order the document's schema lists them.
          toSettingsBody(s),
        ]),
      ),
    })),
  } as FlagsDocumentBody;
}
