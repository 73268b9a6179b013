import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditEntry, SIGNED_IN_BY } from '../../core/audit.js';
import { flagNameSchema, keySchema, storableText } from '../../http/common-schemas.js';

// A query parameter given twice arrives as a list, which zod would report as "received NaN".
const queryNumber = () =>
  z.coerce
    .number({
      error: (issue) =>
        issue.code === 'invalid_type' && issue.expected === 'number' ? 'must be a number, given once' : undefined,
    })
    .int();

// Audit ids are 64-bit in both databases; the API hands them out as JSON numbers, exact up to 2^53 − 1.
const MAX_CURSOR = Number.MAX_SAFE_INTEGER;

const pageQuery = {
  limit: queryNumber().min(1).max(200).default(50).describe('Entries per page, 1–200'),
  cursor: queryNumber()
    .min(1)
    .max(MAX_CURSOR, `must be at most ${MAX_CURSOR}: pass next_cursor from the previous page`)
    .optional()
    .describe('next_cursor from the previous page'),
};

export const auditQuerySchema = z.strictObject({
  flag_name: flagNameSchema.optional().describe('Only entries about this flag'),
  project: keySchema.optional().describe('Only entries about this project'),
  actor: storableText(z.string().min(1).max(200))
    .optional()
    .describe('Only changes by the actor of this name (an account\'s, a key\'s, "ADMIN_API_KEY")'),
  actor_account: z.uuid().optional().describe('Only changes by this account, however it signed in'),
  since: z.iso.datetime({ offset: true }).optional().describe('Only changes at or after this time (ISO 8601)'),
  until: z.iso.datetime({ offset: true }).optional().describe('Only changes before this time (ISO 8601)'),
  ...pageQuery,
});

export const historyQuerySchema = z.strictObject(pageQuery);

const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string().describe('ISO 8601, UTC'),
    actor: z.object({
      key_id: z.string().nullable().describe('The API key used; null for people, ADMIN_API_KEY and anonymous changes'),
      name: z
        .string()
        .describe('The account\'s name, the key\'s, "ADMIN_API_KEY", "anonymous", or the job\'s ("scheduler")'),
      account_id: z.string().nullable().describe('The person or service account behind the change'),
      signed_in_by: z
        .enum(SIGNED_IN_BY)
        .nullable()
        .describe('How the actor signed in; null in entries made before accounts existed'),
    }),
    action: z.enum(AUDIT_ACTIONS),
    target_type: z.enum(AUDIT_TARGET_TYPES),
    target: z
      .string()
      .describe("The flag's or segment's name, the API key's id, the experiment's, project's or environment's key"),
    project: z.string().nullable().describe("The project's key; null for changes outside projects (API keys)"),
    environment: z
      .string()
      .nullable()
      .describe("The environment's key, for changes to one environment; null for changes to the whole project"),
    before: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('As the API showed it before the change; null when created'),
    after: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('As the API showed it after the change; null when deleted'),
  })
  .meta({ id: 'AuditEntry' });

export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema).describe('Newest first'),
    next_cursor: z.number().int().nullable().describe('Pass as ?cursor= for older entries; null on the last page'),
  })
  .meta({ id: 'AuditPage' });

export function toAuditEntryResponse(entry: AuditEntry): z.infer<typeof auditEntrySchema> {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    actor: {
      key_id: entry.actor.keyId,
      name: entry.actor.name,
      account_id: entry.actor.accountId,
      signed_in_by: entry.actor.signedInBy,
    },
    action: entry.action as z.infer<typeof auditEntrySchema>['action'],
    target_type: entry.targetType,
    target: entry.target,
    project: entry.project,
    environment: entry.environment,
    before: entry.before as Record<string, unknown> | null,
    after: entry.after as Record<string, unknown> | null,
  };
}
