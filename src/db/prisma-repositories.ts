import type { ApiKey } from '../core/api-keys.js';
import type { AuditEntry, AuditTargetType } from '../core/audit.js';
import type { Environment, Project } from '../core/projects.js';
import type { Experiment } from '../core/experiments.js';
import type { FlagConfig, FlagDefinition, NewFlagConfig } from '../core/flags.js';
import type { ScheduledChange } from '../core/schedules.js';
import type { Segment } from '../core/segments.js';
import type { Webhook } from '../core/webhooks.js';
import { randomUUID } from 'node:crypto';
import { DELIVERY_WINDOW_MS, matchesEvent } from '../core/webhooks.js';
import { toWebhook } from './webhook-data.js';
import type {
  ApiKeyReader,
  AuditLog,
  AuditQuery,
  ChangedRows,
  ConfigAtRevision,
  ConfigChanges,
  ConfigDelta,
  ConfigReader,
  ConfigStore,
  ConfigWrite,
  ConfigWriteResult,
  EvaluationTimes,
  NewAuditEntry,
  NewWebhook,
  RevisionSpan,
  ScheduleReader,
  WebhookChanges,
} from './repositories.js';
import { translatePrismaError } from './prisma-errors.js';
import type { WriteQueue } from './write-queue.js';
import type { PrismaStore, TransactionTables } from './prisma-tables.js';
import {
  encodeWeights,
  toApiKey,
  toEnvironment,
  toExperiment,
  toExperimentRow,
  toFlagConfig,
  toFlagConfigRow,
  toFlagConfigRowChanges,
  toFlagDefinition,
  toFlagDefinitionRow,
  toFlagDefinitionRowChanges,
  toProject,
  toScheduledChange,
  toScheduledChangeRow,
  toSegment,
  toSegmentRow,
  toSegmentRowChanges,
} from './stored-rows.js';

// The single row of config_revision, created by its migration.
const REVISION_ROW = { where: { id: 1 } };
// Rows of flag_configs read at once by a full load.
const LOAD_PAGE_ROWS = 2000;
/** Every update of a versioned item (core: `version`) raises it, whatever it changes. */
const RAISE_VERSION = { version: { increment: 1 } } as const;
// An import or an environment copied from another writes thousands of rows in one transaction.
const WRITE_TIMEOUT_MS = 60_000;

/** Throws when a write must not be attempted (see sqlite-file-guard.ts). */
export type WriteGuard = () => void;

/** What every write needs besides its rows: the guard, the time it happens, and the queue it waits in. */
export interface WriteContext {
  assertWritable: WriteGuard;
  /** The service's clock; every timestamp a write stores comes from it. */
  now: () => Date;
  queue: WriteQueue;
  /** The body announcing an audit entry to webhooks; the service layer owns its shape. */
  announcement: (entry: NewAuditEntry, id: number, at: Date) => string;
}

/** Rows changed by one write, keyed by id so a row changed twice is reported once, as it ended. */
class DeltaCollector {
  private readonly tables = {
    projects: new RowChanges<Project, number>((row) => row.id),
    environments: new RowChanges<Environment, number>((row) => row.id),
    flags: new RowChanges<FlagDefinition, number>((row) => row.id),
    flagConfigs: new RowChanges<FlagConfig, number>((row) => row.id),
    segments: new RowChanges<Segment, number>((row) => row.id),
    experiments: new RowChanges<Experiment, number>((row) => row.id),
    apiKeys: new RowChanges<ApiKey, string>((row) => row.id),
    schedules: new RowChanges<ScheduledChange, string>((row) => row.id),
  };

  get<K extends keyof DeltaCollector['tables']>(table: K): DeltaCollector['tables'][K] {
    return this.tables[table];
  }

  delta(): ConfigDelta {
    const t = this.tables;
    return {
      projects: t.projects.rows(),
      environments: t.environments.rows(),
      flags: t.flags.rows(),
      flagConfigs: t.flagConfigs.rows(),
      segments: t.segments.rows(),
      experiments: t.experiments.rows(),
      apiKeys: t.apiKeys.rows(),
      schedules: t.schedules.rows(),
    };
  }
}

class RowChanges<T, Id> {
  private readonly changed = new Map<Id, T | undefined>();
  constructor(private readonly idOf: (row: T) => Id) {}

  put<R extends T>(row: R): R {
    this.changed.set(this.idOf(row), row);
    return row;
  }

  gone(id: Id): void {
    this.changed.set(id, undefined);
  }

  rows(): ChangedRows<T, Id> {
    const present: T[] = [];
    const gone: Id[] = [];
    for (const [id, row] of this.changed) {
      if (row === undefined) gone.push(id);
      else present.push(row);
    }
    return { present, gone };
  }
}

/** One transaction's reads and writes, every change collected for the snapshot. */
class PrismaConfigWrite implements ConfigWrite {
  readonly collected = new DeltaCollector();

  constructor(
    private readonly tx: TransactionTables,
    readonly at: Date,
    private readonly announcement: WriteContext['announcement'],
  ) {}

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

  async createProject(project: Parameters<ConfigWrite['createProject']>[0]): Promise<Project> {
    const row = await this.tx.project.create({ data: { ...project, createdAt: this.at, updatedAt: this.at } });
    return this.collected.get('projects').put(toProject(row));
  }

  async updateProject(id: number, changes: Parameters<ConfigWrite['updateProject']>[1]): Promise<Project> {
    const row = await this.tx.project.update({
      where: { id },
      data: { ...changes, ...RAISE_VERSION, updatedAt: this.at },
    });
    return this.collected.get('projects').put(toProject(row));
  }

  async deleteProject(id: number): Promise<void> {
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

/**
 * Every write is one transaction that first takes the config_revision row, which its triggers
 * update anyway: writers then wait for each other before locking anything else, instead of locking
 * rows in orders that cross. They did cross: a scheduled change claimed while its flag was being
 * updated deadlocked on PostgreSQL (40P01, a 500). Checks made inside a write now also hold until it
 * commits. Writes are rare and were serialised at that row already; only the waiting moves earlier.
 */
export class PrismaConfigStore implements ConfigStore {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async write<T>(
    work: (write: ConfigWrite) => Promise<T>,
    messages: { conflict?: string } = {},
  ): Promise<ConfigWriteResult<T>> {
    this.writes.assertWritable();
    return this.writes.queue
      .run(() =>
        this.store.$transaction(
          async (tx) => {
            // An UPDATE that changes nothing still locks the row (and, on SQLite, the database for writing).
            const locked = await tx.configRevision.update({ ...REVISION_ROW, data: { revision: { increment: 0 } } });
            const write = new PrismaConfigWrite(tx, this.writes.now(), this.writes.announcement);
            const result = await work(write);
            const after = (await tx.configRevision.findUnique(REVISION_ROW))!.revision;
            const revisions: RevisionSpan = { before: Number(locked.revision), after: Number(after) };
            return { result, changes: write.collected.delta(), revisions };
          },
          { timeout: WRITE_TIMEOUT_MS },
        ),
      )
      .catch((e) => translatePrismaError(e, messages));
  }
}

export class PrismaConfigReader implements ConfigReader {
  constructor(private readonly store: PrismaStore) {}

  async revision(): Promise<number> {
    const row = await this.store.configRevision.findUnique(REVISION_ROW).catch((e) => translatePrismaError(e));
    return Number(row?.revision ?? 0);
  }

  async loadAll(): Promise<ConfigAtRevision> {
    // Revision first: a change landing between the reads makes the data newer, never older.
    const revision = await this.revision();
    const s = this.store;
    const [projects, environments, flags, flagConfigs, keys, segments, schedules, experiments] = await Promise.all([
      s.project.findMany(),
      s.environment.findMany(),
      s.flag.findMany(),
      this.allFlagConfigs(),
      s.apiKey.findMany({ orderBy: { createdAt: 'asc' } }),
      s.segment.findMany(),
      s.scheduledChange.findMany({ where: { appliedAt: null }, orderBy: { at: 'asc' } }),
      s.experiment.findMany(),
    ]).catch((e) => translatePrismaError(e));
    return {
      revision,
      projects: projects.map(toProject),
      environments: environments.map(toEnvironment),
      flags: flags.map(toFlagDefinition),
      flagConfigs,
      apiKeys: keys.map(toApiKey),
      segments: segments.map(toSegment),
      schedules: schedules.map(toScheduledChange),
      experiments: experiments.map(toExperiment),
    };
  }

  /**
   * Flag configurations, the most numerous rows (one per flag and environment), a page at a time,
   * each decoded before the next is read: a full load then holds one page of Prisma's rows at once
   * instead of all of them, which left tens of megabytes more in a heap V8 does not give back.
   */
  private async allFlagConfigs(): Promise<FlagConfig[]> {
    const configs: FlagConfig[] = [];
    for (let after = 0; ;) {
      const page = await this.store.flagConfig.findMany({
        where: { id: { gt: after } },
        orderBy: { id: 'asc' },
        take: LOAD_PAGE_ROWS,
      });
      for (const row of page) configs.push(toFlagConfig(row));
      if (page.length < LOAD_PAGE_ROWS) return configs;
      after = page[page.length - 1].id;
    }
  }

  async changesSince(revision: number): Promise<ConfigChanges | undefined> {
    const log = await this.store.configChange
      .findMany({ where: { revision: { gt: revision } }, orderBy: { revision: 'asc' } })
      .catch((e) => translatePrismaError(e));
    // Nothing after it: current (a poll and a notice can both ask), or the database went back (restored).
    if (log.length === 0) return (await this.revision()) === revision ? unchangedSince(revision) : undefined;
    // Each revision logs one row, so an unbroken run from the next revision on names every change since.
    if (log.some((change, i) => Number(change.revision) !== revision + 1 + i)) return undefined;
    const keysIn = (table: string) => [
      ...new Set(log.filter((change) => change.tableName === table).map((change) => change.key)),
    ];
    const idsIn = (table: string) => keysIn(table).map(Number);
    const ids = {
      projects: idsIn('projects'),
      environments: idsIn('environments'),
      flags: idsIn('flags'),
      flagConfigs: idsIn('flag_configs'),
      segments: idsIn('segments'),
      experiments: idsIn('experiments'),
      apiKeys: keysIn('api_keys'),
      schedules: keysIn('scheduled_changes'),
    };
    const s = this.store;
    const rowsWith = <Row>(keys: unknown[], read: () => Promise<Row[]>) =>
      keys.length === 0 ? Promise.resolve([]) : read();
    // Read after the log: a change landing in between makes the rows newer, never older.
    const [projects, environments, flags, flagConfigs, segments, experiments, keys, schedules] = await Promise.all([
      rowsWith(ids.projects, () => s.project.findMany({ where: { id: { in: ids.projects } } })),
      rowsWith(ids.environments, () => s.environment.findMany({ where: { id: { in: ids.environments } } })),
      rowsWith(ids.flags, () => s.flag.findMany({ where: { id: { in: ids.flags } } })),
      rowsWith(ids.flagConfigs, () => s.flagConfig.findMany({ where: { id: { in: ids.flagConfigs } } })),
      rowsWith(ids.segments, () => s.segment.findMany({ where: { id: { in: ids.segments } } })),
      rowsWith(ids.experiments, () => s.experiment.findMany({ where: { id: { in: ids.experiments } } })),
      rowsWith(ids.apiKeys, () =>
        s.apiKey.findMany({ where: { id: { in: ids.apiKeys } }, orderBy: { createdAt: 'asc' } }),
      ),
      rowsWith(ids.schedules, () =>
        s.scheduledChange.findMany({ where: { id: { in: ids.schedules }, appliedAt: null }, orderBy: { at: 'asc' } }),
      ),
    ]).catch((e) => translatePrismaError(e));
    return {
      revision: Number(log[log.length - 1].revision),
      projects: changedRows(ids.projects, projects.map(toProject)),
      environments: changedRows(ids.environments, environments.map(toEnvironment)),
      flags: changedRows(ids.flags, flags.map(toFlagDefinition)),
      flagConfigs: changedRows(ids.flagConfigs, flagConfigs.map(toFlagConfig)),
      segments: changedRows(ids.segments, segments.map(toSegment)),
      experiments: changedRows(ids.experiments, experiments.map(toExperiment)),
      apiKeys: changedRows(ids.apiKeys, keys.map(toApiKey)),
      schedules: changedRows(ids.schedules, schedules.map(toScheduledChange)),
    };
  }
}

const noChanges = (): ConfigDelta => {
  const none = { present: [], gone: [] };
  return {
    projects: none,
    environments: none,
    flags: none,
    flagConfigs: none,
    segments: none,
    experiments: none,
    apiKeys: none,
    schedules: none,
  };
};

const unchangedSince = (revision: number): ConfigChanges => ({ revision, ...noChanges() });

function changedRows<T extends { id: Id }, Id>(ids: Id[], present: T[]): ChangedRows<T, Id> {
  const found = new Set(present.map((row) => row.id));
  return { present, gone: ids.filter((id) => !found.has(id)) };
}

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
      actor: { keyId: row.actorKeyId, name: row.actorName },
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

export class PrismaScheduleReader implements ScheduleReader {
  constructor(private readonly store: PrismaStore) {}

  async list(environmentId: number, flagName: string): Promise<ScheduledChange[]> {
    const rows = await this.store.scheduledChange
      .findMany({ where: { environmentId, flagName }, orderBy: { at: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toScheduledChange);
  }
}

export class PrismaApiKeyReader implements ApiKeyReader {
  constructor(private readonly store: PrismaStore) {}

  async list(): Promise<ApiKey[]> {
    const rows = await this.store.apiKey
      .findMany({ orderBy: { createdAt: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toApiKey);
  }
}

export class PrismaEvaluationTimes implements EvaluationTimes {
  constructor(
    private readonly store: PrismaStore,
    private readonly assertWritable: WriteGuard,
  ) {}

  async record(flags: readonly { flagId: number; environmentId: number }[], at: Date): Promise<void> {
    if (flags.length === 0) return;
    this.assertWritable();
    // Not a configuration write: no revision lock, no audit entry, no change for the snapshot.
    await this.store
      .$transaction(
        flags.map(({ flagId, environmentId }) =>
          this.store.flagEvaluation.upsert({
            where: { flagId_environmentId: { flagId, environmentId } },
            create: { flagId, environmentId, lastEvaluatedAt: at },
            update: { lastEvaluatedAt: at },
          }),
        ),
      )
      .catch((e) => translatePrismaError(e));
  }

  async ofProject(projectId: number) {
    const flagIds = (await this.store.flag.findMany({ where: { projectId }, select: { id: true } })).map((f) => f.id);
    return this.store.flagEvaluation
      .findMany({ where: { flagId: { in: flagIds } } })
      .catch((e) => translatePrismaError(e));
  }
}
