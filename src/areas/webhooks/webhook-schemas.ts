import { z } from 'zod';
import type { Webhook, WebhookDelivery } from '../../core/webhooks.js';
import { EVENT_PATTERN, isKnownEvent, maskUrlPassword } from '../../core/webhooks.js';
import { checkUnique, keySchema, versionSchema } from '../../http/common-schemas.js';

const urlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .describe('Where to POST; redirects are not followed');

const eventsSchema = z
  .array(
    z
      .string()
      .regex(EVENT_PATTERN, 'must be an action ("flag.updated"), a kind ("segment.*") or "*"')
      .refine(isKnownEvent, { error: (issue) => `the audit log records no "${String(issue.input)}"` }),
  )
  .min(1)
  .max(50)
  .superRefine((events, context) => checkUnique(events, null, 'event', context))
  .describe(
    'The audit actions to announce: "flag.created", "flag.updated", "flag.deleted", "flag.promoted", ' +
      '"segment.*", "experiment.*", "api_key.*", "project.*", "environment.*", "schedule.*", or "*"',
  );

const secretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "must be Standard Webhooks' form: whsec_ and 24 to 64 bytes in base64")
  .describe('whsec_<base64>; generated when left out');

export const webhookParamsSchema = z.object({ id: z.uuid() });
export const deliveryParamsSchema = z.object({ id: z.uuid(), delivery: z.string().min(1).max(100) });

export const createWebhookBodySchema = z
  .strictObject({
    url: urlSchema,
    events: eventsSchema,
    secret: secretSchema.optional(),
    project: keySchema
      .optional()
      .describe("Only this project's changes; left out: the caller's project, or every project for a global key"),
    enabled: z.boolean().default(true),
  })
  .meta({
    id: 'CreateWebhook',
    example: { url: 'https://hooks.example.com/flags', events: ['flag.updated', 'flag.promoted', 'segment.*'] },
  });

export const updateWebhookBodySchema = z
  .strictObject({
    url: urlSchema.optional(),
    events: eventsSchema.optional(),
    secret: secretSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'send url, events, secret or enabled' })
  .meta({ id: 'UpdateWebhook' });

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string().describe('Its password, when it has one, shows as ******** (send it back as is to keep it)'),
    events: z.array(z.string()),
    project: z.string().nullable().describe("Only this project's changes; null for every project's"),
    enabled: z.boolean(),
    version: versionSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Webhook' });

export const createdWebhookSchema = webhookSchema
  .extend({ secret: z.string().describe('The signing secret, shown only in this response: keep it now') })
  .meta({ id: 'CreatedWebhook' });

export const toWebhookResponse = (webhook: Webhook, project: string | null): z.infer<typeof webhookSchema> => ({
  id: webhook.id,
  url: maskUrlPassword(webhook.url),
  events: webhook.events,
  project,
  enabled: webhook.enabled,
  version: webhook.version,
  created_at: webhook.createdAt.toISOString(),
  updated_at: webhook.updatedAt.toISOString(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const deliverySchema = z
  .object({
    id: z.string().describe('The webhook-id header, the same on every attempt'),
    event: z.string(),
    payload: z.unknown().describe('The JSON body sent, the same on every attempt: {type, timestamp, data}'),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable().describe('While pending'),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().int().nullable(),
    last_response: z.string().nullable().describe("The receiver's last answer, its first 1,024 characters"),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const toDeliveryResponse = (d: WebhookDelivery): z.infer<typeof deliverySchema> => ({
  id: d.id,
  event: d.event,
  payload: JSON.parse(d.payload),
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  last_status_code: d.lastStatus,
  last_error: d.lastError,
  last_latency_ms: d.lastLatencyMs,
  last_response: d.lastResponse,
  created_at: iso(d.createdAt)!,
  delivered_at: iso(d.deliveredAt),
});

/** The opaque next_cursor: where the previous page ended, as `<created ms>.<delivery id>`. */
const CURSOR = /^(\d{1,16})\.(msg_[0-9a-f-]{36})$/;

export const toCursor = (cursor: { createdAt: number; id: string } | null) =>
  cursor && `${cursor.createdAt}.${cursor.id}`;

export const deliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number({ error: 'must be a number, given once' }).int().min(1).max(200).default(50),
  cursor: z
    .string({ error: 'must be given once' })
    .regex(CURSOR, 'must be next_cursor from the previous page')
    .transform((text) => {
      const [, createdAt, id] = CURSOR.exec(text)!;
      return { createdAt: Number(createdAt), id };
    })
    .optional()
    .describe('next_cursor from the previous page'),
});

export const deliveryPageSchema = z
  .object({
    deliveries: z.array(deliverySchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('For the next page; null on the last'),
  })
  .meta({ id: 'WebhookDeliveryPage' });
