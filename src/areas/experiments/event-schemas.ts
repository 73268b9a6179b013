import { z } from 'zod';
import { MAX_EVENT_VALUE, MIN_EVENT_VALUE_MAGNITUDE } from '../../core/experiments.js';
import { flagNameSchema, storableText } from '../../http/common-schemas.js';
import { attributesSchema, userIdSchema } from '../evaluation/evaluation-schemas.js';

/** The most events one POST /events takes. */
export const MAX_EVENTS_PER_BATCH = 1000;
/** POST /events' own body limit: 1,000 events of about 1 KB each. */
export const EVENTS_BODY_LIMIT_BYTES = 1024 * 1024;

const timestampSchema = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .optional()
  .describe('ISO 8601; the time the service receives it when absent');

const trackSchema = z.strictObject({
  type: z.literal('track'),
  event: storableText(z.string().min(1).max(200)).describe("The event's name, as metrics name it"),
  user_id: userIdSchema.describe("Who did it: OpenFeature's targetingKey"),
  value: z
    .number()
    .min(-MAX_EVENT_VALUE, 'must be within ±1e12')
    .max(MAX_EVENT_VALUE, 'must be within ±1e12')
    .transform((value) => (Math.abs(value) < MIN_EVENT_VALUE_MAGNITUDE ? 0 : value))
    .optional()
    .describe(
      'A number within ±1e12 (a magnitude below 1e-12 is stored as 0), summed per user by mean metrics ' +
        '(revenue, items)',
    ),
  timestamp: timestampSchema,
  event_id: storableText(z.string().min(1).max(200))
    .optional()
    .describe('Your id for the event: a retried batch with the same ids is stored once'),
});

const exposureSchema = z.strictObject({
  type: z.literal('exposure'),
  experiment: flagNameSchema.describe("The running experiment's key"),
  user_id: userIdSchema,
  variant: storableText(z.string().min(1).max(100)).describe('Must be the variant the service assigns this user'),
  timestamp: timestampSchema,
  attributes: attributesSchema
    .optional()
    .describe('The evaluation context the variant was decided with, when rules look at attributes'),
});

export type IncomingEventItem = z.output<typeof eventSchema> | { type: 'rejected'; reason: string };

const eventSchema = z.discriminatedUnion('type', [trackSchema, exposureSchema]);

/** What is wrong with an item, in one line: "value: Too big: expected number to be <=1000000000000". */
const reasonOf = (error: { issues: readonly z.core.$ZodIssue[] }) =>
  error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('/')}: ` : '') + issue.message).join('; ');

/**
 * One event of a batch. An item that fails its checks becomes a "rejected" item, reported by its index
 * in the answer, so one bad event never costs the others (a client resending the batch would fail
 * again on the same item). The identity transform only widens the type to include rejected items.
 */
export const eventItemSchema = eventSchema
  .transform((event): IncomingEventItem => event)
  .catch(({ error }) => ({ type: 'rejected', reason: reasonOf(error) }));

export const eventsBodySchema = z
  .strictObject({
    events: z
      .array(eventItemSchema)
      .min(1)
      .max(MAX_EVENTS_PER_BATCH)
      .describe('Each item is checked on its own: one that fails is listed in `rejected`, the others are stored'),
  })
  .meta({
    id: 'EventBatch',
    example: {
      events: [
        { type: 'exposure', experiment: 'checkout_test', user_id: 'alice123', variant: 'treatment' },
        { type: 'track', event: 'purchase', user_id: 'alice123', value: 49.9, event_id: 'order-1001' },
      ],
    },
  });

export const ingestResultSchema = z
  .object({
    accepted: z.number().int().describe('Events and exposures stored'),
    duplicates: z.number().int().describe('Track events whose event_id was already stored'),
    rejected: z
      .array(z.object({ index: z.number().int(), reason: z.string() }))
      .describe(
        'Events not stored, by their index in the batch: a field that fails its check, an exposure the service ' +
          'would not make, a timestamp in the future or older than the retention',
      ),
  })
  .meta({ id: 'EventIngestResult' });

export const eventExportQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Events at or after this time (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Events before this time (ISO 8601)'),
  event: storableText(z.string().min(1).max(200)).optional().describe('Only events of this name'),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Resume after this id (the last one received)'),
});
