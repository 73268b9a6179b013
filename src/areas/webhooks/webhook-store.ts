/**
 * Webhooks and their outbox. Deliveries are claimed with a lease (`locked_until`): on PostgreSQL
 * with `FOR UPDATE SKIP LOCKED`, so instances polling at once each take different rows and exactly
 * one sends each attempt; an instance that dies mid-attempt leaves its lease to run out, and the
 * delivery is sent again, with the same webhook-id.
 */
import type { DatabaseProvider } from '../../config.js';
import type { WebhookDelivery, DeliveryStatus, Webhook } from '../../core/webhooks.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';
import { SqlParameters, num } from '../../db/sql-parameters.js';
import type { WriteGuard } from '../../db/sqlite-file-guard.js';
import { toWebhook } from '../../db/stored-rows.js';

type DeliveryRow = Awaited<ReturnType<PrismaStore['webhookDelivery']['findUniqueOrThrow']>>;

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  ...row,
  status: row.status as DeliveryStatus,
  nextAttemptAt: Number(row.nextAttemptAt),
  deadlineAt: Number(row.deadlineAt),
  createdAt: Number(row.createdAt),
  deliveredAt: row.deliveredAt === null ? null : Number(row.deliveredAt),
});

export class PrismaWebhookStore implements WebhookStore {
  constructor(
    private readonly store: PrismaStore,
    private readonly provider: DatabaseProvider,
    private readonly assertWritable: WriteGuard,
  ) {}

  private async run<T>(work: () => Promise<T>): Promise<T> {
    return work().catch((e) => translatePrismaError(e));
  }

  async list(projectId: number | null | undefined): Promise<Webhook[]> {
    const rows = await this.run(() =>
      this.store.webhook.findMany({
        where: projectId === undefined ? {} : { projectId },
        orderBy: { createdAt: 'asc' },
      }),
    );
    return rows.map(toWebhook);
  }

  async get(id: string): Promise<Webhook | undefined> {
    const row = await this.run(() => this.store.webhook.findUnique({ where: { id } }));
    return row ? toWebhook(row) : undefined;
  }

  async deliveries(webhookId: string, after: DeliveryCursor | undefined, limit: number) {
    const rows = await this.run(() =>
      this.store.webhookDelivery.findMany({
        where: {
          webhookId,
          ...(after && {
            OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
          }),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
      }),
    );
    return rows.map(toDelivery);
  }

  async delivery(webhookId: string, id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.run(() => this.store.webhookDelivery.findUnique({ where: { id } }));
    return row && row.webhookId === webhookId ? toDelivery(row) : undefined;
  }

  async enqueue(
    delivery: Pick<WebhookDelivery, 'id' | 'webhookId' | 'event' | 'payload'>,
    nowMs: number,
    deadlineMs: number,
  ) {
    this.assertWritable();
    const row = await this.run(() =>
      this.store.webhookDelivery.create({
        data: {
          ...delivery,
          status: 'pending',
          nextAttemptAt: nowMs,
          deadlineAt: deadlineMs,
          createdAt: nowMs,
        },
      }),
    );
    return toDelivery(row);
  }

  async retry(id: string, nowMs: number, deadlineMs: number): Promise<WebhookDelivery> {
    this.assertWritable();
    const row = await this.run(() =>
      this.store.webhookDelivery.update({
        where: { id },
        data: { status: 'pending', nextAttemptAt: nowMs, deadlineAt: deadlineMs, lockedUntil: null },
      }),
    );
    return toDelivery(row);
  }

  async claim(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    this.assertWritable();
    const params = new SqlParameters(this.provider);
    const sql =
      `UPDATE webhook_deliveries SET locked_until = ${params.add(nowMs + leaseMs)} WHERE id IN (` +
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ${params.add(nowMs)} ` +
      `AND (locked_until IS NULL OR locked_until < ${params.add(nowMs)}) ` +
      `ORDER BY next_attempt_at LIMIT ${params.add(limit)}` +
      // SQLite serves one instance, which claims one batch at a time: its write lock is enough.
      `${this.provider === 'postgresql' ? ' FOR UPDATE SKIP LOCKED' : ''}) ` +
      'RETURNING id, webhook_id, event, payload, attempts, deadline_at';
    const rows = await this.run(() =>
      this.store.$queryRawUnsafe<
        { id: string; webhook_id: string; event: string; payload: string; attempts: unknown; deadline_at: unknown }[]
      >(sql, ...params.values),
    );
    if (rows.length === 0) return [];
    const hooks = new Map(
      (
        await this.run(() =>
          this.store.webhook.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.webhook_id))] } } }),
        )
      ).map((row) => [row.id, toWebhook(row)]),
    );
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      payload: r.payload,
      attempts: num(r.attempts),
      deadlineAt: num(r.deadline_at),
      webhook: hooks.get(r.webhook_id),
    }));
  }

  async settle(id: string, outcome: DeliveryOutcome): Promise<void> {
    await this.run(() =>
      this.store.webhookDelivery.update({
        where: { id },
        data: {
          status: outcome.status,
          attempts: { increment: 1 },
          nextAttemptAt: outcome.nextAttemptAt,
          lockedUntil: null,
          lastStatus: outcome.statusCode,
          lastError: outcome.error,
          lastLatencyMs: outcome.latencyMs,
          lastResponse: outcome.response,
          ...(outcome.status === 'delivered' && { deliveredAt: outcome.at }),
        },
      }),
    );
  }

  pendingCount(): Promise<number> {
    return this.run(() => this.store.webhookDelivery.count({ where: { status: 'pending' } }));
  }

  async prune(beforeMs: number): Promise<number> {
    const { count } = await this.run(() =>
      this.store.webhookDelivery.deleteMany({
        where: { status: { in: ['delivered', 'failed'] }, createdAt: { lt: beforeMs } },
      }),
    );
    return count;
  }
}

/** A delivery an instance has claimed to send now, with its webhook (undefined when that was deleted). */
export interface ClaimedDelivery {
  id: string;
  event: string;
  payload: string;
  attempts: number;
  deadlineAt: number;
  webhook: Webhook | undefined;
}

/** How an attempt went. */
export interface DeliveryOutcome {
  status: 'pending' | 'delivered' | 'failed';
  at: number;
  /** When to try again, while pending. */
  nextAttemptAt: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number | null;
  /** At most 1,024 characters of the receiver's answer. */
  response: string | null;
}

/** Where a page of deliveries ended: creation times repeat (one change can touch many flags), ids break ties. */
export interface DeliveryCursor {
  createdAt: number;
  id: string;
}

/**
 * Webhooks and their outbox (the deliveries each change wrote in its own transaction). Webhooks
 * themselves change through ConfigWrite, audited like every change.
 */
export interface WebhookStore {
  /** A project's (`projectId`), the global ones (null), or all (undefined). */
  list(projectId: number | null | undefined): Promise<Webhook[]>;
  get(id: string): Promise<Webhook | undefined>;
  /** Newest first, after the cursor (the last delivery of the previous page). */
  deliveries(webhookId: string, after: DeliveryCursor | undefined, limit: number): Promise<WebhookDelivery[]>;
  delivery(webhookId: string, id: string): Promise<WebhookDelivery | undefined>;
  enqueue(
    delivery: Pick<WebhookDelivery, 'id' | 'webhookId' | 'event' | 'payload'>,
    nowMs: number,
    deadlineMs: number,
  ): Promise<WebhookDelivery>;
  /** Pending again at once, with a new deadline. */
  retry(id: string, nowMs: number, deadlineMs: number): Promise<WebhookDelivery>;
  /** Up to `limit` due deliveries, leased to this caller for `leaseMs`. */
  claim(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  settle(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** Deliveries not yet delivered nor given up. */
  pendingCount(): Promise<number>;
  /** Deletes delivered and failed deliveries created before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}
