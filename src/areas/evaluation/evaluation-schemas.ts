import { z } from 'zod';
import { checkStorableJson, flagNameSchema, jsonValueSchema, storableText } from '../../http/common-schemas.js';

export const userIdSchema = storableText(z.string().min(1).max(256))
  .describe('Any string of 1–256 characters (no U+0000, valid Unicode), URL-encoded in the path')
  .meta({ example: 'alice123' });

/**
 * Any JSON, as OpenFeature contexts carry it: rules reach into objects by dotted path ("device.os"),
 * and an operator given a value of a type it does not handle does not match.
 */
export const attributeValueSchema = jsonValueSchema;

export const attributesSchema = z
  .record(z.string().min(1).max(100), attributeValueSchema)
  .refine((attributes) => Object.keys(attributes).length <= 100, 'at most 100 attributes')
  .superRefine(checkStorableJson)
  .describe('What rules and segments look at: any JSON values; rules address nested ones as "device.os"')
  .meta({ example: { country: 'DE', plan: 'pro', app_version: '2.3.0', beta: true, device: { os: 'ios' } } });

/** Attributes as query parameters (`?country=DE&plan=pro`); a repeated parameter is a list. */
export const attributesQuerySchema = z
  .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.array(z.string().max(1000)).max(100)]))
  .refine((attributes) => Object.keys(attributes).length <= 100, 'at most 100 attributes')
  .superRefine(checkStorableJson)
  .describe('Context attributes for rules and segments, e.g. ?country=DE&plan=pro; values are strings');

export const evaluateBodySchema = z
  .strictObject({ user_id: userIdSchema, attributes: attributesSchema.default({}) })
  .meta({ id: 'EvaluationRequest', example: { user_id: 'alice123', attributes: { country: 'DE', plan: 'pro' } } });

export const flagNameParamsSchema = z.object({ flag_name: flagNameSchema });

export const userParamsSchema = z.object({ user_id: userIdSchema });
export const userFlagParamsSchema = z.object({ user_id: userIdSchema, flag_name: flagNameSchema });

export const flagEvaluationSchema = z
  .object({
    user_id: z.string(),
    flag_name: z.string(),
    enabled: z.boolean(),
    reason: z
      .enum(['FLAG_DISABLED', 'PREREQUISITE_FAILED', 'OVERRIDE', 'RULE_MATCH', 'IN_ROLLOUT', 'OUT_OF_ROLLOUT'])
      .describe(
        'FLAG_DISABLED: status is off; PREREQUISITE_FAILED: a flag it requires is off for the user (or on ' +
          "another variant); OVERRIDE: the user's override decided; RULE_MATCH: a rule matched and its percentage " +
          "decided; IN_ROLLOUT / OUT_OF_ROLLOUT: no rule matched and the bucket is below / not below the flag's " +
          'percentage',
      ),
    bucket: z.number().describe("The user's position for this flag, 0–99.99; enabled when below rollout_percentage"),
    variant: z
      .string()
      .nullable()
      .describe(
        "The user's variant when the flag has variants and is on for the user, or its off_variant when it is off; " +
          'else null',
      ),
    // Any JSON; z.unknown() because fast-json-stringify cannot compile z.json()'s recursive schema.
    payload: z.unknown().describe("The variant's payload (any JSON), else null"),
    value: z
      .unknown()
      .describe(
        "The flag's value as OpenFeature sees it: `enabled` for boolean flags; for string, number and object " +
          "flags, the variant's value (null when the flag is off and has no off_variant)",
      ),
  })
  .meta({
    id: 'FlagEvaluation',
    example: {
      user_id: 'alice123',
      flag_name: 'beta_search',
      enabled: false,
      reason: 'OUT_OF_ROLLOUT',
      bucket: 75.21,
      variant: null,
      payload: null,
    },
  });

export const userFlagsSchema = z
  .object({
    user_id: z.string(),
    flags: z.record(z.string(), z.boolean()).describe('Every flag by name: whether it is on for this user'),
  })
  .meta({ id: 'UserFlags', example: { user_id: 'alice123', flags: { beta_search: false, dark_mode: true } } });

export const userFlagDetailsSchema = z
  .object({
    user_id: z.string(),
    flags: z.record(
      z.string(),
      z.object({
        enabled: z.boolean(),
        reason: flagEvaluationSchema.shape.reason,
        variant: z.string().nullable(),
        payload: z.unknown(),
        value: z.unknown(),
      }),
    ),
  })
  .meta({
    id: 'UserFlagDetails',
    example: {
      user_id: 'alice123',
      flags: { beta_search: { enabled: true, reason: 'RULE_MATCH', variant: null, payload: null, value: true } },
    },
  });
