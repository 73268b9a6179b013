import type { AuditEntry, AuditTargetType } from '../../core/audit.js';
import type { AuditLog } from './audit-store.js';

export interface AuditPageQuery {
  targetType?: AuditTargetType;
  target?: string;
  project?: string;
  actor?: string;
  actorAccount?: string;
  since?: Date;
  until?: Date;
  /** From the previous page's nextCursor. */
  cursor?: number;
  limit: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: number | null;
}

export class AuditService {
  constructor(private readonly log: AuditLog) {}

  async page(query: AuditPageQuery): Promise<AuditPage> {
    // One row more than asked tells whether an older page exists without counting.
    const rows = await this.log.list({
      targetType: query.targetType,
      target: query.target,
      project: query.project,
      actor: query.actor,
      actorAccount: query.actorAccount,
      since: query.since,
      until: query.until,
      beforeId: query.cursor,
      limit: query.limit + 1,
    });
    const entries = rows.slice(0, query.limit);
    return { entries, nextCursor: rows.length > query.limit ? entries[entries.length - 1].id : null };
  }
}
