import { toApiKeyResponse } from '../schemas/api-keys.js';
import { toFlagResponse } from '../schemas/flags.js';
import { toScheduleResponse } from '../schemas/schedules.js';
import { toSegmentResponse } from '../schemas/segments.js';
import type { Actor, AuditTargetType } from '../core/model.js';
import type { AuditRow, AuditTable } from './prisma-tables.js';

// The audit log keeps flags and keys in the shape the API shows them (never a key's secret or
// hash), so history reads like the API answered at the time.
export const flagRecord = toFlagResponse;
export const apiKeyRecord = toApiKeyResponse;
export const segmentRecord = toSegmentResponse;
export const scheduleRecord = toScheduleResponse;

export function recordAudit(
  table: AuditTable,
  entry: { actor: Actor; action: string; targetType: AuditTargetType; target: string; before: object | null; after: object | null },
): Promise<AuditRow> {
  return table.create({
    data: {
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
