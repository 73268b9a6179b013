/**
 * Commands' public JSON form: what change requests carry in request bodies and store for weeks, so it
 * is an API. Each is `{type, version, project, …, payload, prepared_against}`, its payload the body of
 * the REST request that makes the same change (snake_case, percentages), decoded with the same schema
 * into the core's command (core/commands.ts). A type's form only ever gains versions: every version it
 * had stays readable (test/fixtures/commands-v1.json holds one of each, read by the tests).
 */
import { z } from 'zod';
import { type Command, VERSIONED_ITEMS } from '../../core/commands.js';
import { flagNameSchema, keySchema, versionSchema } from '../../http/common-schemas.js';
import { createDefinitionBodySchema, updateDefinitionBodySchema } from '../flags/definition-schemas.js';
import { createFlagBodySchema, updateFlagBodySchema, updateSettingsBodySchema } from '../flags/flag-schemas.js';
import { createApiKeyBodySchema } from '../api-keys/api-key-schemas.js';
import { createExperimentBodySchema } from '../experiments/experiment-schemas.js';
import {
  createEnvironmentBodySchema,
  createProjectBodySchema,
  updateEnvironmentBodySchema,
  updateProjectBodySchema,
} from '../projects/project-schemas.js';
import { importPayloadSchema } from '../projects/flags-as-code-schemas.js';
import { promoteFlagBodySchema, promotionPayloadSchema } from '../projects/promotion-schemas.js';
import { createScheduleBodySchema } from '../schedules/schedule-schemas.js';
import { createSegmentBodySchema, updateSegmentBodySchema } from '../segments/segment-schemas.js';
import { createWebhookBodySchema, updateWebhookBodySchema } from '../webhooks/webhook-schemas.js';

const itemVersionSchema = z
  .strictObject({
    item: z.enum(VERSIONED_ITEMS),
    key: z.string().min(1).max(100).describe("The item's name or key in the command's project"),
    environment: keySchema
      .nullable()
      .default(null)
      .describe('The environment of flag_settings and of an experiment; null for the others'),
    version: versionSchema,
  })
  .meta({
    id: 'ItemVersion',
    description: 'An item as the command saw it when it was prepared',
    example: { item: 'flag_settings', key: 'new_checkout', environment: 'production', version: 7 },
  });

const common = {
  version: z.literal(1).describe("The form's version"),
  project: keySchema,
  prepared_against: z
    .array(itemVersionSchema)
    .max(1000)
    .default([])
    .describe('Refused (409) when any of these moved since; [] to apply to whatever is committed'),
};
/** Keys and webhooks may belong to no project: null for a global one (and a global caller's revocation). */
const global = { ...common, project: keySchema.nullable() };
const environment = keySchema;
const apiKeyPayload = z.codec(
  createApiKeyBodySchema.omit({ project: true }),
  z.custom<{ name: string; scope: 'admin' | 'server' | 'evaluate'; environment: string | null }>(),
  {
    decode: ({ environment, ...fields }) => ({ ...fields, environment: environment ?? null }),
    encode: ({ environment, ...fields }) => ({ ...fields, ...(environment !== null && { environment }) }),
  },
);
const flag = flagNameSchema;
const noPayload = z.strictObject({});
const confirmed = z.strictObject({
  confirm: keySchema.nullable().describe('Its key again: needed while it holds flags, which go with it'),
});

const forms = [
  z.strictObject({ type: z.literal('flag.create'), ...common, environment, payload: createFlagBodySchema }),
  z.strictObject({ type: z.literal('flag.update'), ...common, environment, flag, payload: updateFlagBodySchema }),
  z.strictObject({ type: z.literal('flag_definition.create'), ...common, payload: createDefinitionBodySchema }),
  z.strictObject({ type: z.literal('flag_definition.update'), ...common, flag, payload: updateDefinitionBodySchema }),
  z.strictObject({
    type: z.literal('flag.delete'),
    ...common,
    environment: environment.nullable().describe('Whose settings the audit entry shows; it goes from all of them'),
    flag,
    payload: noPayload,
  }),
  z.strictObject({
    type: z.literal('flag_settings.update'),
    ...common,
    environment,
    flag,
    payload: updateSettingsBodySchema,
  }),
  z.strictObject({ type: z.literal('segment.create'), ...common, payload: createSegmentBodySchema }),
  z.strictObject({
    type: z.literal('segment.update'),
    ...common,
    segment: flagNameSchema,
    payload: updateSegmentBodySchema,
  }),
  z.strictObject({ type: z.literal('segment.delete'), ...common, segment: flagNameSchema, payload: noPayload }),
  z.strictObject({
    type: z.literal('schedule.create'),
    ...common,
    environment,
    flag,
    schedule: z.uuid().describe("The new scheduled change's id"),
    payload: createScheduleBodySchema,
  }),
  z.strictObject({
    type: z.literal('schedule.cancel'),
    ...common,
    environment,
    flag,
    schedule: z.uuid(),
    payload: noPayload,
  }),
  z.strictObject({
    type: z.literal('schedule.apply'),
    ...common,
    environment,
    flag,
    schedule: z.uuid().describe('A due scheduled change, written to its flag (the scheduler runs these)'),
    payload: noPayload,
  }),
  z.strictObject({ type: z.literal('experiment.create'), ...common, environment, payload: createExperimentBodySchema }),
  z.strictObject({ type: z.literal('experiment.start'), ...common, environment, experiment: flag, payload: noPayload }),
  z.strictObject({ type: z.literal('experiment.stop'), ...common, environment, experiment: flag, payload: noPayload }),
  z.strictObject({
    type: z.literal('api_key.create'),
    ...global,
    api_key: z.uuid().describe("The new key's id; its secret is made when the command runs"),
    payload: apiKeyPayload,
  }),
  z.strictObject({ type: z.literal('api_key.revoke'), ...global, api_key: z.uuid(), payload: noPayload }),
  z.strictObject({
    type: z.literal('webhook.create'),
    ...global,
    webhook: z.uuid().describe("The new webhook's id"),
    payload: createWebhookBodySchema.omit({ project: true }),
  }),
  z.strictObject({ type: z.literal('webhook.update'), ...global, webhook: z.uuid(), payload: updateWebhookBodySchema }),
  z.strictObject({ type: z.literal('webhook.delete'), ...global, webhook: z.uuid(), payload: noPayload }),
  z.strictObject({
    type: z.literal('project.create'),
    ...common,
    project: z.null().describe("A new project's key is in the payload"),
    payload: createProjectBodySchema,
  }),
  z.strictObject({ type: z.literal('project.update'), ...common, payload: updateProjectBodySchema }),
  z.strictObject({ type: z.literal('project.delete'), ...common, payload: confirmed }),
  z.strictObject({ type: z.literal('environment.create'), ...common, payload: createEnvironmentBodySchema }),
  z.strictObject({
    type: z.literal('environment.update'),
    ...common,
    environment,
    payload: updateEnvironmentBodySchema,
  }),
  z.strictObject({ type: z.literal('environment.delete'), ...common, environment, payload: confirmed }),
  z.strictObject({ type: z.literal('flag.promote'), ...common, flag, payload: promoteFlagBodySchema }),
  z.strictObject({ type: z.literal('environment.promote'), ...common, payload: promotionPayloadSchema }),
  z.strictObject({ type: z.literal('project.import'), ...common, payload: importPayloadSchema }),
] as const;

const commandFormSchema = z.discriminatedUnion('type', forms).meta({
  id: 'Command',
  description:
    'A configuration change as data: what a PATCH, POST or DELETE of the REST API would do, its payload that ' +
    "request's body",
  example: {
    type: 'flag_settings.update',
    version: 1,
    project: 'default',
    environment: 'production',
    flag: 'new_checkout',
    payload: { rollout_percentage: 25 },
    prepared_against: [{ item: 'flag_settings', key: 'new_checkout', environment: 'production', version: 7 }],
  },
});

type CommandForm = z.output<typeof commandFormSchema>;

/** The public form, decoded into the core's command and encoded back from it. */
export const commandSchema = z.codec(commandFormSchema, z.custom<Command>(), {
  decode: ({ version: _version, prepared_against, ...form }) => {
    const { api_key, ...command } = form as typeof form & { api_key?: string };
    return {
      ...command,
      ...(api_key !== undefined && { apiKey: api_key }),
      preparedAgainst: prepared_against,
    } as Command;
  },
  encode: ({ preparedAgainst, ...command }) => {
    const { apiKey, ...rest } = command as typeof command & { apiKey?: string };
    return {
      ...rest,
      ...(apiKey !== undefined && { api_key: apiKey }),
      version: 1,
      prepared_against: preparedAgainst,
    } as unknown as CommandForm;
  },
});

export type CommandJson = z.input<typeof commandFormSchema>;
