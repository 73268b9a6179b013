import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditAction, Webhook, WebhookDelivery } from '../core/model.js';
import { DELIVERY_WINDOW_MS, MASKED_PASSWORD, unmaskUrlPassword } from '../core/webhooks.js';
import type { ConfigWrite, DeliveryCursor, WebhookStore } from '../db/repositories.js';
import { auditRecords, type WebhookAuditRecord } from './audit-records.js';
import type { ConfigWriter } from './config-writer.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Principal } from './auth-service.js';
import type { Clock } from './clock.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import { assertReachable, type NetworkPolicy, PrivateNetworkError } from './network-guard.js';

export interface WebhookInput {
  url: string;
  events: string[];
  secret?: string;
  /** A project key: only its changes. Left out: the caller's project, or every project for a global key. */
  project?: string;
  enabled?: boolean;
}

const notFound = (id: string) => new NotFoundError(`Webhook "${id}" not found`);

/** A new signing secret in Standard Webhooks' form: whsec_ and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Webhooks: where each change is announced. A project's admin key manages its project's webhooks
 * only; the secret is shown when it is made, never again.
 */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly clock: Clock,
    private readonly network: NetworkPolicy,
  ) {}

  list(caller: Principal): Promise<Webhook[]> {
    return this.store.list(caller.projectId ?? undefined);
  }

  async get(id: string, caller: Principal): Promise<Webhook> {
    return this.visible(await this.store.get(id), id, caller);
  }

  /** A webhook of another project is "not found" to a project's key, as one that does not exist. */
  private visible(webhook: Webhook | undefined, id: string, caller: Principal): Webhook {
    if (!webhook || (caller.projectId !== null && webhook.projectId !== caller.projectId)) throw notFound(id);
    return webhook;
  }

  projectKeyOf(webhook: Webhook): string | null {
    return webhook.projectId === null ? null : (this.snapshot.projectById(webhook.projectId)?.project.key ?? null);
  }

  async create(input: WebhookInput, caller: Principal): Promise<Webhook> {
    await this.checkUrl(input.url);
    let projectId = caller.projectId;
    if (input.project !== undefined) {
      const project = this.snapshot.project(input.project);
      if (!project || (caller.projectId !== null && project.project.id !== caller.projectId)) {
        throw new ValidationError('project', `project "${input.project}" not found`);
      }
      projectId = project.project.id;
    }
    return this.writer.write(async (write) => {
      const created = await write.createWebhook({
        id: randomUUID(),
        projectId,
        url: input.url,
        events: input.events,
        secret: input.secret ?? newSecret(),
        enabled: input.enabled ?? true,
      });
      await this.audit(write, caller, 'webhook.created', created, null, auditRecords.webhook(created, true));
      return created;
    });
  }

  async update(id: string, changes: Omit<Partial<WebhookInput>, 'project'>, caller: Principal): Promise<Webhook> {
    // The host is checked; a masked password does not change it.
    if (changes.url !== undefined) await this.checkUrl(changes.url);
    return this.writer.write(async (write) => {
      const before = this.visible(await write.webhook(id), id, caller);
      const url = changes.url === undefined ? undefined : unmaskUrlPassword(changes.url, before.url);
      if (url === undefined && changes.url !== undefined) {
        throw new ValidationError(
          'url',
          `its password is masked (${MASKED_PASSWORD}), which keeps the stored one only for the same origin and ` +
            'user: send the password itself',
        );
      }
      const after = await write.updateWebhook(id, { ...changes, url });
      const secretChanged = changes.secret !== undefined && changes.secret !== before.secret;
      await this.audit(
        write,
        caller,
        'webhook.updated',
        after,
        auditRecords.webhook(before),
        auditRecords.webhook(after, secretChanged),
      );
      return after;
    });
  }

  async delete(id: string, caller: Principal): Promise<void> {
    await this.writer.write(async (write) => {
      const before = this.visible(await write.webhook(id), id, caller);
      await write.deleteWebhook(id);
      await this.audit(write, caller, 'webhook.deleted', before, auditRecords.webhook(before), null);
    });
  }

  private audit(
    write: ConfigWrite,
    caller: Principal,
    action: AuditAction,
    webhook: Webhook,
    before: WebhookAuditRecord | null,
    after: WebhookAuditRecord | null,
  ): Promise<void> {
    return write.audit({
      actor: caller,
      action,
      targetType: 'webhook',
      target: webhook.id,
      project: this.projectKeyOf(webhook),
      environment: null,
      before,
      after,
    });
  }

  async deliveries(id: string, caller: Principal, page: { cursor?: DeliveryCursor; limit: number }) {
    await this.get(id, caller);
    const rows = await this.store.deliveries(id, page.cursor, page.limit + 1);
    const deliveries = rows.slice(0, page.limit);
    const last = deliveries[deliveries.length - 1];
    return { deliveries, nextCursor: rows.length > page.limit ? { createdAt: last.createdAt, id: last.id } : null };
  }

  /** Pending again at once, with a new 24 hours: a failed delivery after the receiver is fixed. */
  async retry(id: string, deliveryId: string, caller: Principal): Promise<WebhookDelivery> {
    await this.get(id, caller);
    if (!(await this.store.delivery(id, deliveryId))) {
      throw new NotFoundError(`Webhook "${id}" has no delivery "${deliveryId}"`);
    }
    const now = this.clock.now();
    return this.store.retry(deliveryId, now, now + DELIVERY_WINDOW_MS);
  }

  /** A test delivery, `webhook.ping`, through the outbox like any other. */
  async ping(id: string, caller: Principal): Promise<WebhookDelivery> {
    const webhook = await this.get(id, caller);
    const now = this.clock.now();
    const payload = JSON.stringify({
      type: 'webhook.ping',
      timestamp: new Date(now).toISOString(),
      data: { webhook_id: webhook.id },
    });
    return this.store.enqueue(
      { id: `msg_${randomUUID()}`, webhookId: webhook.id, event: 'webhook.ping', payload },
      now,
      now + DELIVERY_WINDOW_MS,
    );
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await assertReachable(new URL(url), this.network);
    } catch (error) {
      if (error instanceof PrivateNetworkError) throw new ValidationError('url', error.message);
      // A name that does not resolve now may later; the worker checks again at every connection.
      if (['ENOTFOUND', 'EAI_AGAIN', 'ENODATA'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
  }
}
