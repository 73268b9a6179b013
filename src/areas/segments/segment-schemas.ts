import { z } from 'zod';
import type { NewSegmentFields } from '../../core/commands.js';
import type { Segment, SegmentChanges } from '../../core/segments.js';
import { checkUnique, flagNameSchema, storableText, versionSchema } from '../../http/common-schemas.js';
import { conditionsSchema } from '../../http/targeting-schemas.js';

const segmentNameSchema = flagNameSchema
  .describe('Unique name: 1–100 letters, digits, "_", "-" or ".", starting with a letter or digit')
  .meta({ example: 'beta_testers' });
const userIdsSchema = z
  .array(z.string().min(1).max(256))
  .max(10_000)
  .superRefine((userIds, context) => checkUnique(userIds, null, 'user', context))
  .describe('Users who are in the segment whatever their attributes; each once');

export const segmentParamsSchema = z.object({ segment_name: segmentNameSchema });

/** A segment as requests and the flags document give it. */
export const segmentBodySchema = z
  .strictObject({
    name: segmentNameSchema,
    description: storableText(z.string().max(1000)).nullable().default(null),
    conditions: conditionsSchema.default([]),
    user_ids: userIdsSchema.default([]),
  })
  .meta({
    id: 'CreateSegment',
    example: {
      name: 'beta_testers',
      description: 'Pro users in Germany, and the QA team',
      conditions: [
        { attribute: 'country', operator: 'equals', value: 'DE' },
        { attribute: 'plan', operator: 'equals', value: 'pro' },
      ],
      user_ids: ['qa-1'],
    },
  });

export const createSegmentBodySchema = z.codec(segmentBodySchema, z.custom<NewSegmentFields>(), {
  decode: ({ user_ids, ...fields }) => ({ ...fields, userIds: user_ids }),
  encode: ({ userIds, ...fields }) => ({ ...fields, user_ids: userIds }) as z.output<typeof segmentBodySchema>,
});

const updateSegmentBody = z
  .strictObject({
    description: storableText(z.string().max(1000)).nullable().optional(),
    conditions: conditionsSchema.optional(),
    user_ids: userIdsSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of description, conditions, user_ids',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'UpdateSegment', example: { user_ids: ['qa-1', 'qa-2'] } });

/** What the body sends; what it leaves out stays as it is. */
export const updateSegmentBodySchema = z.codec(updateSegmentBody, z.custom<SegmentChanges>(), {
  decode: ({ user_ids, ...fields }) => ({ ...fields, ...(user_ids !== undefined && { userIds: user_ids }) }),
  encode: ({ userIds, ...fields }) =>
    ({ ...fields, ...(userIds !== undefined && { user_ids: userIds }) }) as z.output<typeof updateSegmentBody>,
});

export const segmentSchema = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    conditions: z.array(z.object({ attribute: z.string(), operator: z.string(), value: z.unknown().optional() })),
    user_ids: z.array(z.string()),
    version: versionSchema,
    created_at: z.string().describe('ISO 8601, UTC'),
    updated_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({ id: 'Segment' });

export function toSegmentResponse(segment: Segment): z.infer<typeof segmentSchema> {
  return {
    name: segment.name,
    description: segment.description,
    conditions: segment.conditions.map((c) => ({ ...c })),
    user_ids: segment.userIds,
    version: segment.version,
    created_at: segment.createdAt.toISOString(),
    updated_at: segment.updatedAt.toISOString(),
  };
}
