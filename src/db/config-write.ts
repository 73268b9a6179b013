/**
 * One transaction's writes to the configuration: every command's handler writes through it, and each
 * write records its audit entry, its webhook deliveries and the rows it changed in the same transaction.
 */
import type { ApiKey } from '../core/api-keys.js';
import type { Experiment } from '../core/experiments.js';
import type { FlagDefinition, FlagConfig, NewFlagConfig } from '../core/flags.js';
import type { Project, Environment } from '../core/projects.js';
import type { ScheduledChange } from '../core/schedules.js';
import type { Segment } from '../core/segments.js';
import { type Webhook, matchesEvent, DELIVERY_WINDOW_MS } from '../core/webhooks.js';
import { DeltaCollector } from './config-delta.js';
import type { TransactionTables } from './prisma-tables.js';
import type { NewAuditEntry, ConfigWrite } from './repositories.js';
import type { NewWebhook, WebhookChanges } from '../core/webhooks.js';
import type { WriteGuard } from './sqlite-file-guard.js';
import {
  toProject,
  projectSettingsColumns,
  toEnvironment,
  toFlagDefinition,
  toFlagConfig,
  toSegment,
  toScheduledChange,
  toExperiment,
  toApiKey,
  toFlagDefinitionRow,
  toFlagDefinitionRowChanges,
  toFlagConfigRow,
  toFlagConfigRowChanges,
  toSegmentRow,
  toSegmentRowChanges,
  toScheduledChangeRow,
  toExperimentRow,
  encodeWeights,
  toWebhook,
} from './stored-rows.js';
import type { WriteQueue } from './write-queue.js';
import { randomUUID } from 'node:crypto';
import { PrismaAccountWrite } from './account-write.js';

/** Every update of a versioned item (core: `version`) raises it, whatever it changes. */
const RAISE_VERSION = { version: { increment: 1 } } as const;

/** What every write needs besides its rows: the guard, the time it happens, and the queue it waits in. */
export interface WriteContext {
  assertWritable: WriteGuard;
  /** The service's clock; every timestamp a write stores comes from it. */
  now: () => Date;
  queue: WriteQueue;
  /** The body announcing an audit entry to webhooks; the service layer owns its shape. */
  announcement: (entry: NewAuditEntry, id: number, at: Date) => string;
}

/** One transaction's reads and writes, every change collected for the snapshot. */
export class PrismaConfigWrite implements ConfigWrite {
  readonly collected = new DeltaCollector();
  readonly accounts: PrismaAccountWrite;

  constructor(
    private readonly tx: TransactionTables,
    readonly at: Date,
    private readonly announcement: WriteContext['announcement'],
  ) {
    this.accounts = new PrismaAccountWrite(tx, at);
  }

  async projects(): Promise<Project[]> {
    return (await this.tx.project.findMany({ orderBy: { key: 'asc' } })).map(toProject);
  }

  async project(key: string): Promise<Project | undefined> {
    const row = await this.tx.project.findUnique({ where: { key } });
    return row ? toProject(row) : undefined;
  }

  async environments(projectId: number): Promise<Environment[]> {
    const rows = await this.tx.environment.findMany({ where: { projectId }, orderBy: { position: 'asc' } });
    return rows.map(toEnvironment);
  }

  async flags(projectId: number): Promise<FlagDefinition[]> {
    return (await this.tx.flag.findMany({ where: { projectId }, orderBy: { name: 'asc' } })).map(toFlagDefinition);
  }

  async flag(projectId: number, name: string): Promise<FlagDefinition | undefined> {
    const row = await this.tx.flag.findUnique({ where: { projectId_name: { projectId, name } } });
    return row ? toFlagDefinition(row) : undefined;
  }

  async configsOfFlag(flagId: number): Promise<FlagConfig[]> {
    return (await this.tx.flagConfig.findMany({ where: { flagId } })).map(toFlagConfig);
  }

  async configsOfEnvironment(environmentId: number): Promise<FlagConfig[]> {
    return (await this.tx.flagConfig.findMany({ where: { environmentId } })).map(toFlagConfig);
  }

  async segments(projectId: number): Promise<Segment[]> {
    return (await this.tx.segment.findMany({ where: { projectId }, orderBy: { name: 'asc' } })).map(toSegment);
  }

  async segment(projectId: number, name: string): Promise<Segment | undefined> {
    const row = await this.tx.segment.findUnique({ where: { projectId_name: { projectId, name } } });
    return row ? toSegment(row) : undefined;
  }

  async schedule(id: string): Promise<ScheduledChange | undefined> {
    const row = await this.tx.scheduledChange.findUnique({ where: { id } });
    return row ? toScheduledChange(row) : undefined;
  }

  async schedulesOfEnvironment(environmentId: number): Promise<ScheduledChange[]> {
    return (await this.tx.scheduledChange.findMany({ where: { environmentId } })).map(toScheduledChange);
  }

  async schedulesOfFlag(environmentIds: readonly number[], flagName: string): Promise<ScheduledChange[]> {
    const rows = await this.tx.scheduledChange.findMany({
      where: { environmentId: { in: [...environmentIds] }, flagName },
      orderBy: { at: 'asc' },
    });
    return rows.map(toScheduledChange);
  }

  async experiment(environmentId: number, key: string): Promise<Experiment | undefined> {
    const row = await this.tx.experiment.findUnique({ where: { environmentId_key: { environmentId, key } } });
    return row ? toExperiment(row) : undefined;
  }

  async experimentsOfFlag(environmentId: number, flagName: string): Promise<Experiment[]> {
    return (await this.tx.experiment.findMany({ where: { environmentId, flagName } })).map(toExperiment);
  }

  async experimentsOfEnvironment(environmentId: number): Promise<Experiment[]> {
    return (await this.tx.experiment.findMany({ where: { environmentId } })).map(toExperiment);
  }

  async apiKey(id: string): Promise<ApiKey | undefined> {
    const row = await this.tx.apiKey.findUnique({ where: { id } });
    return row ? toApiKey(row) : undefined;
  }

  async activeApiKeys(): Promise<ApiKey[]> {
    const rows = await this.tx.apiKey.findMany({ where: { revokedAt: null }, orderBy: { createdAt: 'asc' } });
    return rows.map(toApiKey);
  }

  async createProject({
    experimentSettings,
    ...project
  }: Parameters<ConfigWrite['createProject']>[0]): Promise<Project> {
    const row = await this.tx.project.create({
      data: { ...project, ...projectSettingsColumns(experimentSettings), createdAt: this.at, updatedAt: this.at },
    });
    return this.collected.get('projects').put(toProject(row));
  }

  async updateProject(
    id: number,
    { experimentSettings, ...changes }: Parameters<ConfigWrite['updateProject']>[1],
  ): Promise<Project> {
    const row = await this.tx.project.update({
      where: { id },
      data: {
        ...changes,
        ...(experimentSettings && projectSettingsColumns(experimentSettings)),
        ...RAISE_VERSION,
        updatedAt: this.at,
      },
    });
    return this.collected.get('projects').put(toProject(row));
  }

  async deleteProject(id: number): Promise<void> {
    // Roles in it go with it: a project made later under the same key starts with no members.
    await this.tx.projectMember.deleteMany({ where: { projectId: id } });
    await this.tx.project.delete({ where: { id } });
    this.collected.get('projects').gone(id);
  }

  async createEnvironment(environment: Parameters<ConfigWrite['createEnvironment']>[0]): Promise<Environment> {
    const row = await this.tx.environment.create({ data: { ...environment, createdAt: this.at, updatedAt: this.at } });
    return this.collected.get('environments').put(toEnvironment(row));
  }

  async updateEnvironment(id: number, changes: Parameters<ConfigWrite['updateEnvironment']>[1]): Promise<Environment> {
    const row = await this.tx.environment.update({
      where: { id },
      data: { ...changes, ...RAISE_VERSION, updatedAt: this.at },
    });
    return this.collected.get('environments').put(toEnvironment(row));
  }

  async deleteEnvironment(id: number): Promise<void> {
    await this.tx.environment.delete({ where: { id } });
    this.collected.get('environments').gone(id);
  }

  async createFlag(flag: Parameters<ConfigWrite['createFlag']>[0]): Promise<FlagDefinition> {
    const row = await this.tx.flag.create({
      data: { ...toFlagDefinitionRow(flag), createdAt: this.at, updatedAt: this.at },
    });
    return this.collected.get('flags').put(toFlagDefinition(row));
  }

  async updateFlag(id: number, changes: Parameters<ConfigWrite['updateFlag']>[1]): Promise<FlagDefinition> {
    const row = await this.tx.flag.update({
      where: { id },
      data: { ...toFlagDefinitionRowChanges(changes), ...RAISE_VERSION, updatedAt: this.at },
    });
    return this.collected.get('flags').put(toFlagDefinition(row));
  }

  async deleteFlag(id: number): Promise<void> {
    await this.tx.flag.delete({ where: { id } });
    this.collected.get('flags').gone(id);
  }

  async createFlagConfig(config: NewFlagConfig): Promise<FlagConfig> {
    const row = await this.tx.flagConfig.create({ data: { ...toFlagConfigRow(config), updatedAt: this.at } });
    return this.collected.get('flagConfigs').put(toFlagConfig(row));
  }

  async updateFlagConfig(id: number, changes: Parameters<ConfigWrite['updateFlagConfig']>[1]): Promise<FlagConfig> {
    const row = await this.tx.flagConfig.update({
      where: { id },
      data: { ...toFlagConfigRowChanges(changes), ...RAISE_VERSION, updatedAt: this.at },
    });
    return this.collected.get('flagConfigs').put(toFlagConfig(row));
  }

  async deleteFlagConfig(id: number): Promise<void> {
    await this.tx.flagConfig.delete({ where: { id } });
    this.collected.get('flagConfigs').gone(id);
  }

  async createSegment(segment: Parameters<ConfigWrite['createSegment']>[0]): Promise<Segment> {
    const row = await this.tx.segment.create({
      data: { ...toSegmentRow(segment), createdAt: this.at, updatedAt: this.at },
    });
    return this.collected.get('segments').put(toSegment(row));
  }

  async updateSegment(id: number, changes: Parameters<ConfigWrite['updateSegment']>[1]): Promise<Segment> {
    const row = await this.tx.segment.update({
      where: { id },
      data: { ...toSegmentRowChanges(changes), ...RAISE_VERSION, updatedAt: this.at },
    });
    return this.collected.get('segments').put(toSegment(row));
  }

  async deleteSegment(id: number): Promise<void> {
    await this.tx.segment.delete({ where: { id } });
    this.collected.get('segments').gone(id);
  }

  async createSchedule(change: Parameters<ConfigWrite['createSchedule']>[0]): Promise<ScheduledChange> {
    const row = await this.tx.scheduledChange.create({ data: { ...toScheduledChangeRow(change), createdAt: this.at } });
    return this.collected.get('schedules').put(toScheduledChange(row));
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.tx.scheduledChange.delete({ where: { id } });
    this.collected.get('schedules').gone(id);
  }

  async claimSchedule(id: string): Promise<boolean> {
    // The claim: only one instance's update finds the row still pending.
    const claimed = await this.tx.scheduledChange.updateMany({
      where: { id, appliedAt: null },
      data: { appliedAt: this.at },
    });
    if (claimed.count === 0) return false;
    this.collected.get('schedules').gone(id);
    return true;
  }

  async createExperiment(experiment: Parameters<ConfigWrite['createExperiment']>[0]): Promise<Experiment> {
    const row = await this.tx.experiment.create({
      data: { ...toExperimentRow(experiment), status: 'draft', createdAt: this.at, updatedAt: this.at },
    });
    return this.collected.get('experiments').put(toExperiment(row));
  }

  async updateExperiment(
    id: number,
    { startWeights, ...changes }: Parameters<ConfigWrite['updateExperiment']>[1],
  ): Promise<Experiment> {
    const row = await this.tx.experiment.update({
      where: { id },
      data: {
        ...changes,
        ...(startWeights && { startWeights: encodeWeights(startWeights) }),
        ...RAISE_VERSION,
        updatedAt: this.at,
      },
    });
    return this.collected.get('experiments').put(toExperiment(row));
  }

  async deleteExperiment(id: number): Promise<void> {
    await this.tx.experiment.delete({ where: { id } });
    this.collected.get('experiments').gone(id);
  }

  async createApiKey(key: Parameters<ConfigWrite['createApiKey']>[0]): Promise<ApiKey> {
    const row = await this.tx.apiKey.create({ data: { ...key, createdAt: this.at } });
    return this.collected.get('apiKeys').put(toApiKey(row));
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    const row = await this.tx.apiKey.update({ where: { id }, data: { revokedAt: this.at } });
    return this.collected.get('apiKeys').put(toApiKey(row));
  }

  async webhook(id: string): Promise<Webhook | undefined> {
    const row = await this.tx.webhook.findUnique({ where: { id } });
    return row ? toWebhook(row) : undefined;
  }

  async createWebhook(webhook: NewWebhook): Promise<Webhook> {
    const data = { ...webhook, events: JSON.stringify(webhook.events), createdAt: this.at, updatedAt: this.at };
    return toWebhook(await this.tx.webhook.create({ data }));
  }

  async updateWebhook(id: string, { events, ...rest }: WebhookChanges): Promise<Webhook> {
    const data = { ...rest, ...(events && { events: JSON.stringify(events) }), ...RAISE_VERSION, updatedAt: this.at };
    return toWebhook(await this.tx.webhook.update({ where: { id }, data }));
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.tx.webhookDelivery.deleteMany({ where: { webhookId: id } });
    await this.tx.webhook.delete({ where: { id } });
  }

  async audit(entry: Parameters<ConfigWrite['audit']>[0]): Promise<void> {
    const created = await this.tx.auditEntry.create({
      data: {
        at: this.at,
        actorKeyId: entry.actor.keyId,
        actorName: entry.actor.name,
        actorAccountId: entry.actor.accountId,
        actorSignedInBy: entry.actor.signedInBy,
        action: entry.action,
        targetType: entry.targetType,
        target: entry.target,
        project: entry.project,
        environment: entry.environment,
        before: entry.before && JSON.stringify(entry.before),
        after: entry.after && JSON.stringify(entry.after),
      },
    });
    await this.announce(entry, Number(created.id));
  }

  /**
   * The outbox: one delivery per webhook that asks for this action, written in this transaction, so a
   * change that commits is announced and one that rolls back never is.
   */
  private async announce(entry: NewAuditEntry, id: number): Promise<void> {
    const hooks = (await this.tx.webhook.findMany({ where: { enabled: true } })).map(toWebhook);
    const wanted = hooks.filter((hook) => matchesEvent(hook.events, entry.action));
    if (wanted.length === 0) return;
    const project =
      entry.project === null ? undefined : await this.tx.project.findUnique({ where: { key: entry.project } });
    const payload = this.announcement(entry, id, this.at);
    const at = this.at.getTime();
    for (const hook of wanted) {
      if (hook.projectId !== null && hook.projectId !== project?.id) continue;
      await this.tx.webhookDelivery.create({
        data: {
          id: `msg_${randomUUID()}`,
          webhookId: hook.id,
          event: entry.action,
          payload,
          status: 'pending',
          nextAttemptAt: at,
          deadlineAt: at + DELIVERY_WINDOW_MS,
          createdAt: at,
        },
      });
    }
  }
}
