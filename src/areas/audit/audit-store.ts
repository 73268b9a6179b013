/** The audit log as it is read: newest first, filtered, in pages. */
import type { AuditEntry, AuditTargetType, SignedInBy } from '../../core/audit.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';

export class PrismaAuditLog implements AuditLog {
  constructor(private readonly store: PrismaStore) {}

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.store.auditEntry
      .findMany({
        where: {
          targetType: query.targetType,
          target: query.target,
          project: query.project,
          actorName: query.actor,
          actorAccountId: query.actorAccount,
          ...(query.since || query.until ? { at: { gte: query.since, lt: query.until } } : {}),
          ...(query.beforeId === undefined ? {} : { id: { lt: query.beforeId } }),
        },
        orderBy: { id: 'desc' },
        take: query.limit,
      })
      .catch((e) => translatePrismaError(e));
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at,
      actor: {
        keyId: row.actorKeyId,
        name: row.actorName,
        accountId: row.actorAccountId,
        signedInBy: row.actorSignedInBy as SignedInBy | null,
      },
      action: row.action,
      targetType: row.targetType as AuditTargetType,
      target: row.target,
      project: row.project,
      environment: row.environment,
      before: row.before === null ? null : JSON.parse(row.before),
      after: row.after === null ? null : JSON.parse(row.after),
    }));
  }
}

export interface AuditQuery {
  targetType?: AuditTargetType;
  target?: string;
  /** Only entries about this project (its key). */
  project?: string;
  /** Only changes made by the actor of this name ("ADMIN_API_KEY", "anonymous", an account's). */
  actor?: string;
  /** Only changes made by this account. */
  actorAccount?: string;
  /** Only changes at or after `since` and before `until`. */
  since?: Date;
  until?: Date;
  /** Entries with an id below this one: the cursor of the page before. */
  beforeId?: number;
  limit: number;
}

export interface AuditLog {
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
