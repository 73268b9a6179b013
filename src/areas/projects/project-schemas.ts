import type { NewProjectFields, NewEnvironmentFields, ProjectChanges } from '../../core/commands.js';
import {
  DEFAULT_EXPERIMENT_SETTINGS,
  type Environment,
  type ExperimentSettings,
  type Project,
} from '../../core/projects.js';
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

const experimentSettingsFields = {
  sequential: z
    .boolean()
    .describe('New experiments test sequentially unless they say otherwise: results stay valid however often read'),
  min_days: z
    .number()
    .int()
    .min(0)
    .max(365)
    .describe('An experiment\'s verdict stays "too_early" until it has run this many days'),
  min_users_per_variant: z
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .describe('…and until every variant the flag weights has this many exposed users'),
};

const experimentSettingsSchema = z.object(experimentSettingsFields).meta({ id: 'ExperimentSettings' });

const toExperimentSettingsResponse = (settings: ExperimentSettings): z.infer<typeof experimentSettingsSchema> => ({
  sequential: settings.sequential,
  min_days: settings.minDays,
  min_users_per_variant: settings.minUsersPerVariant,
});

type SettingsChanges = Partial<z.infer<typeof experimentSettingsSchema>>;
const fromSettingsChanges = ({ sequential, min_days, min_users_per_variant }: SettingsChanges) => ({
  ...(sequential !== undefined && { sequential }),
  ...(min_days !== undefined && { minDays: min_days }),
  ...(min_users_per_variant !== undefined && { minUsersPerVariant: min_users_per_variant }),
});
const toSettingsChanges = ({ sequential, minDays, minUsersPerVariant }: Partial<ExperimentSettings>) => ({
  ...(sequential !== undefined && { sequential }),
  ...(minDays !== undefined && { min_days: minDays }),
  ...(minUsersPerVariant !== undefined && { min_users_per_variant: minUsersPerVariant }),
});

const settingsChangesSchema = z
  .strictObject(experimentSettingsFields)
  .partial()
  .describe('Only the settings sent change');

export const projectSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    experiment_settings: experimentSettingsSchema,
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
  experiment_settings: toExperimentSettingsResponse(project.experimentSettings),
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
    experiment_settings: settingsChangesSchema
      .optional()
      .describe('Defaults: sequential, 7 days, 100 users per variant; only the settings sent differ'),
  })
  .meta({ id: 'CreateProject', example: { key: 'checkout', name: 'Checkout team' } });

export const createProjectBodySchema = z.codec(createProjectBody, z.custom<NewProjectFields>(), {
  decode: ({ environments, experiment_settings, ...fields }) => ({
    ...fields,
    environments: environments ?? null,
    experimentSettings: { ...DEFAULT_EXPERIMENT_SETTINGS, ...fromSettingsChanges(experiment_settings ?? {}) },
  }),
  encode: ({ environments, experimentSettings, ...fields }) => {
    const changed = (Object.keys(experimentSettings) as (keyof ExperimentSettings)[]).filter(
      (name) => experimentSettings[name] !== DEFAULT_EXPERIMENT_SETTINGS[name],
    );
    const differences = Object.fromEntries(changed.map((name) => [name, experimentSettings[name]]));
    return {
      ...fields,
      ...(environments !== null && { environments }),
      ...(changed.length > 0 && { experiment_settings: toSettingsChanges(differences) }),
    };
  },
});

const updateProjectBody = z
  .strictObject({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    experiment_settings: settingsChangesSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'send name, description or experiment_settings' })
  .meta({
    id: 'UpdateProject',
    example: { experiment_settings: { min_days: 14, min_users_per_variant: 500 } },
  });

export const updateProjectBodySchema = z.codec(updateProjectBody, z.custom<ProjectChanges>(), {
  decode: ({ experiment_settings, ...fields }) => ({
    ...fields,
    ...(experiment_settings && { experimentSettings: fromSettingsChanges(experiment_settings) }),
  }),
  encode: ({ experimentSettings, ...fields }) => ({
    ...fields,
    ...(experimentSettings && { experiment_settings: toSettingsChanges(experimentSettings) }),
  }),
});

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
