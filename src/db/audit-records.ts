import type { Actor, AuditTargetType } from '../core/model.js';
import type { AuditRow, AuditTable } from './prisma-tables.js';

/** Writes one entry in the caller's transaction; before and after are already in the audit log's shape. */
export function recordAudit(
  table: AuditTable,
  at: Date,
  entry: {
    actor: Actor;
    action: string;
    targetType: AuditTargetType;
    target: string;
    before: object | null;
    after: object | null;
  },
): Promise<AuditRow> {
  return table.create({
    data: {
      at,
      actorKeyId: entry.actor.keyId,
      actorName: entry.actor.name,
      action: entry.action,
      targetType: entry.targetType,
      target: entry.target,
      before: entry.before && JSON.stringify(entry.before),
      after: entry.after && JSON.stringify(entry.after),
    },
  });
}
