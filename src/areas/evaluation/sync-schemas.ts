import { z } from 'zod';
import type { EnvironmentConfig } from '../../core/projects.js';
import { flagNameSchema, keySchema } from '../../http/common-schemas.js';
import { flagsDocumentSchema, fromDocument, toDocument } from '../projects/flags-as-code-schemas.js';
import { fromScheduledSettings, scheduledSettingsSchema, toScheduledSettings } from '../schedules/schedule-schemas.js';

/**
 * GET /config: one environment's configuration, for evaluating in the application's own process. It
 * is the flags-as-code document (with only this environment's settings) and what evaluation needs
 * besides: the revision, the pending scheduled changes and the running experiments. The in-process
 * provider reads it with this same schema, so the service and the provider cannot disagree on it.
 */
export const environmentConfigSchema = flagsDocumentSchema
  .extend({
    revision: z
      .number()
      .int()
      .describe("The environment's version: the revision of its last change, as the stream's event ids count"),
    environment: keySchema.describe('The environment whose settings `flags[].environments` holds'),
    schedules: z
      .array(
        z.strictObject({
          id: z.string(),
          flag_name: flagNameSchema,
          at: z.iso.datetime({ offset: true }).describe('ISO 8601, UTC'),
          set: scheduledSettingsSchema,
        }),
      )
      .default([])
      .describe('Pending scheduled changes, by time: an evaluator applies those due by its clock'),
    experiments: z
      .array(z.strictObject({ key: flagNameSchema, flag_name: flagNameSchema }))
      .default([])
      .describe('Running experiments: the evaluator records exposures to their variants (POST /events)'),
  })
  .meta({ id: 'EnvironmentConfig' });

export type EnvironmentConfigBody = z.output<typeof environmentConfigSchema>;

export const configQuerySchema = z.strictObject({
  min_revision: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("At least this revision (a change event's id): an instance that has not applied it yet reads it first"),
});

export const toEnvironmentConfigResponse = (config: EnvironmentConfig): EnvironmentConfigBody => ({
  ...toDocument(config.document),
  revision: config.revision,
  environment: config.environment,
  schedules: config.schedules.map((s) => ({
    id: s.id,
    flag_name: s.flagName,
    at: s.at.toISOString(),
    set: toScheduledSettings(s.changes),
  })),
  experiments: config.experiments.map((e) => ({ key: e.key, flag_name: e.flagName })),
});

/** The document as an evaluator reads it (after environmentConfigSchema has checked it). */
export const fromEnvironmentConfig = (body: EnvironmentConfigBody): EnvironmentConfig => ({
  revision: body.revision,
  environment: body.environment,
  document: fromDocument(body, body.project?.key ?? ''),
  schedules: body.schedules.map((s) => ({
    id: s.id,
    flagName: s.flag_name,
    at: new Date(s.at),
    changes: fromScheduledSettings(s.set),
  })),
  experiments: body.experiments.map((e) => ({ key: e.key, flagName: e.flag_name })),
});
