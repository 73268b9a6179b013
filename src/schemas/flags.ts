import { z } from 'zod';
import type { Flag } from '../db/repositories.js';
import { basisPointsToPercentage } from '../rollout.js';

export const flagNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must start with a letter or digit and contain only letters, digits, "_", "-" and "."')
  .describe('Unique name: 1–100 letters, digits, "_", "-" or ".", starting with a letter or digit')
  .meta({ example: 'beta_search' });

export const rolloutPercentageSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, 'must have at most two decimals')
  .describe('Share of users who get the flag when it is on, 0–100 with at most two decimals')
  .meta({ example: 25 });

const descriptionSchema = z.string().max(1000).nullable().describe('Free text, at most 1,000 characters');

export const flagParamsSchema = z.object({ flag_name: flagNameSchema });

export const createFlagBodySchema = z
  .strictObject({
    flag_name: flagNameSchema,
    status: z.boolean().default(false).describe('On or off; defaults to off'),
    rollout_percentage: rolloutPercentageSchema.default(100),
    description: descriptionSchema.default(null),
  })
  .meta({
    id: 'CreateFlag',
    example: { flag_name: 'beta_search', status: true, rollout_percentage: 25, description: 'New search algorithm - 25% rollout' },
  });

export const updateFlagBodySchema = z
  .strictObject({
    status: z.boolean().optional(),
    rollout_percentage: rolloutPercentageSchema.optional(),
    description: descriptionSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of status, rollout_percentage, description',
    // Only worth saying when the body is otherwise valid (an unknown field is the better message).
    when: (payload) => payload.issues.length === 0,
  })
  .describe('Only the fields sent change; flag_name cannot be changed')
  .meta({ id: 'UpdateFlag', example: { rollout_percentage: 50 } });

export const flagSchema = z
  .object({
    flag_name: z.string(),
    status: z.boolean(),
    rollout_percentage: z.number(),
    description: z.string().nullable(),
    created_at: z.string().describe('ISO 8601, UTC'),
    updated_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({
    id: 'Flag',
    example: {
      flag_name: 'beta_search',
      status: true,
      rollout_percentage: 25,
      description: 'New search algorithm - 25% rollout',
      created_at: '2026-11-27T10:00:00.000Z',
      updated_at: '2026-11-27T10:00:00.000Z',
    },
  });

export type FlagResponse = z.infer<typeof flagSchema>;

export function toFlagResponse(flag: Flag): FlagResponse {
  return {
    flag_name: flag.name,
    status: flag.status,
    rollout_percentage: basisPointsToPercentage(flag.rolloutBasisPoints),
    description: flag.description,
    created_at: flag.createdAt.toISOString(),
    updated_at: flag.updatedAt.toISOString(),
  };
}
