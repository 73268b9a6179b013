import { randomBytes } from 'node:crypto';
import type { CreateWebhook, DeleteWebhook, UpdateWebhook } from '../../core/commands.js';
import type { AuditAction } from '../../core/audit.js';
import type { Webhook } from '../../core/webhooks.js';
import { MASKED_PASSWORD, unmaskUrlPassword } from '../../core/webhooks.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { auditRecords, type WebhookAuditRecord } from '../audit/audit-records.js';
import type { GlobalCommandContext, Prechecks } from '../commands/command-pipeline.js';
import { assertReachable, type NetworkPolicy, PrivateNetworkError } from '../../support/network-guard.js';
import type { ConfigWrite } from '../../db/repositories.js';

/** The writes webhook commands make, and the reads they check them against. */
type WebhookWrites = Pick<
  ConfigWrite,
  'audit' | 'createWebhook' | 'deleteWebhook' | 'projects' | 'updateWebhook' | 'webhook'
>;

export const webhookNotFound = (id: string) => new NotFoundError(`Webhook "${id}" not found`);

/** A new signing secret in Standard Webhooks' form: whsec_ and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The webhook as committed; another project's is "not found" to a project's admin, as a missing one. */
async function visible({ write, project }: GlobalCommandContext<WebhookWrites>, id: string): Promise<Webhook> {
  const webhook = await write.webhook(id);
  if (!webhook || (project !== null && webhook.projectId !== project.id)) throw webhookNotFound(id);
  return webhook;
}

async function audit(
  { write, actor }: GlobalCommandContext<WebhookWrites>,
  action: AuditAction,
  webhook: Webhook,
  before: WebhookAuditRecord | null,
  after: WebhookAuditRecord | null,
): Promise<void> {
  const project =
    webhook.projectId === null ? null : ((await write.projects()).find((p) => p.id === webhook.projectId) ?? null);
  await write.audit({
    actor,
    action,
    targetType: 'webhook',
    target: webhook.id,
    project: project?.key ?? null,
    environment: null,
    before,
    after,
  });
}

/** A webhook for the command's project's changes, or (project null) every project's. */
async function createWebhook({ webhook: id, payload }: CreateWebhook, context: GlobalCommandContext<WebhookWrites>) {
  const created = await context.write.createWebhook({
    id,
    projectId: context.project?.id ?? null,
    url: payload.url,
    events: payload.events,
    secret: payload.secret ?? newSecret(),
    enabled: payload.enabled ?? true,
  });
  await audit(context, 'webhook.created', created, null, auditRecords.webhook(created, true));
  return created;
}

/** A URL sent back with its password masked keeps the stored password (same origin and user only). */
async function updateWebhook({ webhook: id, payload }: UpdateWebhook, context: GlobalCommandContext<WebhookWrites>) {
  const before = await visible(context, id);
  const url = payload.url === undefined ? undefined : unmaskUrlPassword(payload.url, before.url);
  if (url === undefined && payload.url !== undefined) {
    throw new ValidationError(
      'url',
      `its password is masked (${MASKED_PASSWORD}), which keeps the stored one only for the same origin and ` +
        'user: send the password itself',
    );
  }
  const after = await context.write.updateWebhook(id, { ...payload, url });
  const secretChanged = payload.secret !== undefined && payload.secret !== before.secret;
  await audit(
    context,
    'webhook.updated',
    after,
    auditRecords.webhook(before),
    auditRecords.webhook(after, secretChanged),
  );
  return after;
}

async function deleteWebhook(
  { webhook: id }: DeleteWebhook,
  context: GlobalCommandContext<WebhookWrites>,
): Promise<void> {
  const before = await visible(context, id);
  await context.write.deleteWebhook(id);
  await audit(context, 'webhook.deleted', before, auditRecords.webhook(before), null);
}

/** The address must not point at a refused range; checked before the transaction, as it may ask DNS. */
async function checkUrl(url: string, network: NetworkPolicy): Promise<void> {
  try {
    await assertReachable(new URL(url), network);
  } catch (error) {
    if (error instanceof PrivateNetworkError) throw new ValidationError('url', error.message);
    // A name that does not resolve now may later; the worker checks again at every connection.
    if (['ENOTFOUND', 'EAI_AGAIN', 'ENODATA'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
}

/** The host is checked; a masked password does not change it. */
export const webhookPrechecks = (network: NetworkPolicy): Prechecks => ({
  'webhook.create': ({ payload }) => checkUrl(payload.url, network),
  'webhook.update': async ({ payload }) => {
    if (payload.url !== undefined) await checkUrl(payload.url, network);
  },
});

/** The webhooks' handlers. */
export const webhookCommands = {
  'webhook.create': createWebhook,
  'webhook.update': updateWebhook,
  'webhook.delete': deleteWebhook,
};
