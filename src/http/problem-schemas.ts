import { z } from 'zod';

/** RFC 9457 problem details: the one shape of every error response. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(
        z.object({
          location: z.enum(['body', 'params', 'querystring', 'headers']),
          pointer: z.string().describe('JSON Pointer to the invalid field, e.g. "#/rollout_percentage"'),
          detail: z.string(),
        }),
      )
      .optional()
      .describe('Every invalid field, for validation errors'),
    problems: z
      .array(z.string())
      .optional()
      .describe('Everything that refuses a promotion or an import, each in a sentence'),
  })
  .meta({
    id: 'Problem',
    example: {
      type: '/problems/validation-error',
      title: 'Validation Error',
      status: 400,
      detail: 'The request is invalid: rollout_percentage: Too big: expected number to be <=100',
      instance: '/flags',
      request_id: '3f9c01ab-1',
      errors: [{ location: 'body', pointer: '#/rollout_percentage', detail: 'Too big: expected number to be <=100' }],
    },
  });

export type Problem = z.infer<typeof problemSchema>;

export const problemResponses = <const S extends readonly number[]>(...statuses: S) =>
  Object.fromEntries(statuses.map((status) => [status, problemSchema])) as Record<S[number], typeof problemSchema>;

/** 304 Not Modified: the client's cached copy (If-None-Match) is current; no body. */
export const notModified = z.null().describe('Not Modified: the ETag sent in If-None-Match is current');
