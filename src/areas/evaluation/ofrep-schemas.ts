import { z } from 'zod';
import { checkStorableJson } from '../../http/common-schemas.js';
import { attributeValueSchema, userIdSchema } from './evaluation-schemas.js';

// Shapes from the OpenFeature Remote Evaluation Protocol: https://github.com/open-feature/protocol (service/openapi.yaml).

const ofrepContextSchema = z
  .object({
    targetingKey: userIdSchema.optional().describe('The user id: the same as {user_id} in /users/{user_id}/flags'),
  })
  .catchall(attributeValueSchema)
  .refine((context) => Object.keys(context).length <= 101, 'at most 100 attributes')
  // targetingKey is checked by its own schema.
  .superRefine(({ targetingKey: _, ...attributes }, context) => checkStorableJson(attributes, context))
  .describe(
    'The evaluation context: targetingKey, and attributes for rules and segments (any JSON; rules address ' +
      'nested ones by dotted path, e.g. "device.os")',
  );

export const ofrepRequestSchema = z
  .object({ context: ofrepContextSchema.optional() })
  // The protocol does not require a body: none means an empty context.
  .nullish()
  .meta({ id: 'OfrepEvaluationRequest', example: { context: { targetingKey: 'alice123' } } });

export const ofrepParamsSchema = z.object({ key: z.string().min(1).max(100) });

export const ofrepEvaluationSchema = z
  .object({
    key: z.string(),
    value: z
      .unknown()
      .optional()
      .describe(
        "A boolean flag: whether it is on for the user (for a flag with variants that is on, the variant's key). " +
          "A string, number or object flag: its variant's value; absent when it is off for the user and has no " +
          "off_variant, so SDKs use the caller's default (OFREP's code default)",
      ),
    reason: z
      .enum(['STATIC', 'SPLIT', 'TARGETING_MATCH', 'DISABLED', 'PREREQUISITE_FAILED'])
      .describe(
        'DISABLED: the flag is off; STATIC: the same for everyone; TARGETING_MATCH: an override or rule decided; ' +
          "SPLIT: the user's bucket decided; PREREQUISITE_FAILED: a flag it requires is off for the user",
      ),
    variant: z.string().describe('The variant\'s key, or "on" / "off" for a flag without variants'),
    metadata: z.object({
      rollout_percentage: z.number(),
      payload: z.string().optional().describe("The variant's payload as JSON text"),
    }),
  })
  .meta({
    id: 'OfrepEvaluation',
    example: {
      key: 'beta_search',
      value: false,
      reason: 'SPLIT',
      variant: 'off',
      metadata: { rollout_percentage: 25 },
    },
  });

export const ofrepFailureSchema = z
  .object({
    key: z.string().optional(),
    errorCode: z.enum(['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL', 'FLAG_NOT_FOUND']),
    errorDetails: z.string(),
  })
  .meta({
    id: 'OfrepFailure',
    example: { key: 'no_such_flag', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'Flag "no_such_flag" not found' },
  });

export const ofrepBulkSchema = z
  .object({
    flags: z.array(z.union([ofrepEvaluationSchema, ofrepFailureSchema])),
    eventStreams: z
      .array(
        z.object({
          type: z.literal('sse'),
          endpoint: z.object({ requestUri: z.string() }).describe("On the OFREP base URL's origin"),
          inactivityDelaySec: z.number().int(),
        }),
      )
      .describe('Where to listen for changes (server-sent events) instead of polling'),
  })
  .meta({ id: 'OfrepBulkEvaluation' });

export const ofrepBulkQuerySchema = z.object({
  flagConfigEtag: z
    .string()
    .max(200)
    .optional()
    .describe('The etag of the refetchEvaluation event that caused this request: the service answers at least that'),
  flagConfigLastModified: z.string().max(40).optional().describe('The lastModified of that event'),
});
