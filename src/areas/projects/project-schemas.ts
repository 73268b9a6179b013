import type { NewProjectFields, NewEnvironmentFields } from '../../core/commands.js';
import type { Environment, Project } from '../../core/projects.js';
import { storableText, keySchema, flagNameSchema, versionSchema, checkUnique } from '../../http/common-schemas.js';
import { z } from 'zod';

export const nameSchema = storableText(z.string().trim().min(1).max(100));
export const descriptionSchema = storableText(z.string().max(1000)).nullable();

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

export const environmentEntrySchema = z.strictObject({ key: keySchema, name: nameSchema });

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
