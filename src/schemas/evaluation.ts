import { z } from 'zod';
import { flagNameSchema } from './flags.js';

export const userIdSchema = z
  .string()
  .min(1)
  .max(256)
  .describe('Any string of 1–256 characters, URL-encoded in the path')
  .meta({ example: 'alice123' });

export const userParamsSchema = z.object({ user_id: userIdSchema });
export const userFlagParamsSchema = z.object({ user_id: userIdSchema, flag_name: flagNameSchema });

export const flagEvaluationSchema = z
  .object({
    user_id: z.string(),
    flag_name: z.string(),
    enabled: z.boolean(),
    reason: z
      .enum(['FLAG_DISABLED', 'IN_ROLLOUT', 'OUT_OF_ROLLOUT'])
      .describe('FLAG_DISABLED: status is off; IN_ROLLOUT / OUT_OF_ROLLOUT: the bucket is below / not below the rollout percentage'),
    bucket: z.number().describe("The user's position for this flag, 0–99.99; enabled when below rollout_percentage"),
    variant: z.string().nullable().describe("The user's variant when the flag has variants and is on for the user, else null"),
    // Any JSON; z.unknown() because fast-json-stringify cannot compile z.json()'s recursive schema.
    payload: z.unknown().describe("The variant's payload (any JSON), else null"),
  })
  .meta({
    id: 'FlagEvaluation',
    example: { user_id: 'alice123', flag_name: 'beta_search', enabled: false, reason: 'OUT_OF_ROLLOUT', bucket: 75.21, variant: null, payload: null },
  });

export const userFlagsSchema = z
  .object({
    user_id: z.string(),
    flags: z.record(z.string(), z.boolean()).describe('Every flag by name: whether it is on for this user'),
  })
  .meta({ id: 'UserFlags', example: { user_id: 'alice123', flags: { beta_search: false, dark_mode: true } } });
