import type { NewAuditEntry } from '../../db/repositories.js';

/**
 * What a webhook receives for an audit entry, as Standard Webhooks suggests: `{type, timestamp,
 * data}`, the data being the entry as GET /audit shows it (who, what, before and after, project and
 * environment). Written into the outbox with the change, so every retry sends the same bytes.
 */
export function webhookAnnouncement(entry: NewAuditEntry, id: number, at: Date): string {
  return JSON.stringify({
    type: entry.action,
    timestamp: at.toISOString(),
    data: {
      id,
      at: at.toISOString(),
      actor: { key_id: entry.actor.keyId, name: entry.actor.name },
      action: entry.action,
      target_type: entry.targetType,
      target: entry.target,
      project: entry.project,
      environment: entry.environment,
      before: entry.before,
      after: entry.after,
    },
  });
}
