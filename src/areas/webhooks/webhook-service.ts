import { randomUUID } from 'node:crypto';
import type { CreateWebhook, DeleteWebhook, UpdateWebhook, WebhookFields } from '../../core/commands.js';
import type { Webhook, WebhookDelivery } from '../../core/webhooks.js';
import { DELIVERY_WINDOW_MS } from '../../core/webhooks.js';
import type { DeliveryCursor, WebhookStore } from './webhook-store.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { holds, type Principal, sees } from '../../core/permissions.js';
import type { Clock } from '../../support/clock.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import { webhookNotFound } from './webhook-commands.js';

/** What the webhook service reads of the read model: the projects webhooks belong to. */
export type WebhookViews = Pick<ConfigSnapshot, 'project' | 'projectById'>;

export interface WebhookInput extends WebhookFields {
  /** A project key: only its changes. Left out: the caller's project, or every project for a global key. */
  project?: string;
}

/**
 * Webhooks: where each change is announced. A project's admin key manages its project's webhooks
 * only; the secret is shown when it is made, never again.
 */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly snapshot: WebhookViews,
    private readonly clock: Clock,
  ) {}

  /** The webhooks of the projects where the caller holds webhook.manage (every project's: only globally). */
  async list(caller: Principal): Promise<Webhook[]> {
    const all = await this.store.list(caller.projectId ?? undefined);
    return all.filter((webhook) => sees(caller.grants, 'webhook.manage', webhook.projectId));
  }

  async get(id: string, caller: Principal): Promise<Webhook> {
    return this.visible(await this.store.get(id), id, caller);
  }

  /** A webhook the caller may not manage is "not found", as one that does not exist. */
  private visible(webhook: Webhook | undefined, id: string, caller: Principal): Webhook {
    if (
      !webhook ||
      (caller.projectId !== null && webhook.projectId !== caller.projectId) ||
      !sees(caller.grants, 'webhook.manage', webhook.projectId)
    ) {
      throw webhookNotFound(id);
    }
    return webhook;
  }

  projectKeyOf(webhook: Webhook): string | null {
    return webhook.projectId === null ? null : (this.snapshot.projectById(webhook.projectId)?.project.key ?? null);
  }

  /** Left out, the project is the caller's (every project for a global key); another project is not found. */
  createCommand({ project: projectKey, ...fields }: WebhookInput, caller: Principal): CreateWebhook {
    return {
      type: 'webhook.create',
      project: projectKey === undefined ? this.callerProject(caller) : this.visibleProject(projectKey, caller),
      webhook: randomUUID(),
      payload: fields,
      preparedAgainst: [],
    };
  }

  async updateCommand(id: string, changes: Partial<WebhookFields>, caller: Principal): Promise<UpdateWebhook> {
    return {
      type: 'webhook.update',
      project: await this.actingProject(id, caller),
      webhook: id,
      payload: changes,
      preparedAgainst: [],
    };
  }

  async deleteCommand(id: string, caller: Principal): Promise<DeleteWebhook> {
    return {
      type: 'webhook.delete',
      project: await this.actingProject(id, caller),
      webhook: id,
      payload: {},
      preparedAgainst: [],
    };
  }

  /** The project a project's admin key acts in; null for everyone else (who names one, or acts globally). */
  private callerProject(caller: Principal): string | null {
    return caller.projectId === null ? null : (this.snapshot.projectById(caller.projectId)?.project.key ?? null);
  }

  /** The command's project: none for a caller who manages every webhook, else the webhook's own. */
  private async actingProject(id: string, caller: Principal): Promise<string | null> {
    if (holds(caller.grants, 'webhook.manage', { projectId: null })) return null;
    return this.projectKeyOf(await this.get(id, caller));
  }

  private visibleProject(key: string, caller: Principal): string {
    const project = this.snapshot.project(key);
    if (!project || (caller.projectId !== null && project.project.id !== caller.projectId)) {
      throw new ValidationError('project', `project "${key}" not found`);
    }
    return key;
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
}
