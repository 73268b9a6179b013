import { ConflictError, NotFoundError } from '../errors.js';
import { recordAudit } from './audit-records.js';
import type {
  Actor,
  ApiKey,
  ApiKeyScope,
  AuditEntry,
  AuditTargetType,
  Experiment,
  Flag,
  FlagChanges,
  NewApiKey,
  NewExperiment,
  NewFlag,
  NewScheduledChange,
  NewSegment,
  ScheduledChange,
  Segment,
  SegmentChanges,
} from '../core/model.js';
import type {
  ApiKeyRepository,
  AuditLog,
  AuditRecords,
  AuditQuery,
  ChangedRows,
  CommittedConfig,
  ConfigAtRevision,
  ConfigChanges,
  ConfigReader,
  ExperimentRepository,
  FlagRepository,
  FlagWriteCheck,
  RevisionSpan,
  ScheduleRepository,
  SegmentRepository,
} from './repositories.js';
import { translatePrismaError } from './prisma-errors.js';
import type { WriteQueue } from './write-queue.js';
import type { ApiKeyRow, PrismaStore, TransactionTables } from './prisma-tables.js';
import {
  encodeWeights,
  toExperiment,
  toExperimentRow,
  toFlag,
  toFlagRow,
  toFlagRowChanges,
  toScheduledChange,
  toScheduledChangeRow,
  toSegment,
  toSegmentRow,
  toSegmentRowChanges,
} from './stored-rows.js';

// The single row of config_revision, created by its migration.
const REVISION_ROW = { where: { id: 1 } };

/**
 * Every write is one transaction that first takes the config_revision row, which its triggers
 * update anyway: writers then wait for each other before locking anything else, instead of locking
 * rows in orders that cross. They did cross: a scheduled change claimed while its flag was being
 * updated deadlocked on PostgreSQL (40P01, a 500). Checks made inside a write now also hold until it
 * commits. Writes are rare and were serialised at that row already; only the waiting moves earlier.
 */
function inWriteTransaction<T>(
  store: PrismaStore,
  queue: WriteQueue,
  work: (tx: TransactionTables, revisionBefore: number) => Promise<T>,
): Promise<T> {
  return queue.run(() =>
    store.$transaction(async (tx) => {
      // An UPDATE that changes nothing still locks the row (and, on SQLite, the database for writing).
      const { revision } = await tx.configRevision.update({ ...REVISION_ROW, data: { revision: { increment: 0 } } });
      return work(tx, Number(revision));
    }),
  );
}

/** The revision this write's own changes have brought the database to; it still holds the lock. */
async function revisionsOf(tx: TransactionTables, before: number): Promise<RevisionSpan> {
  return { before, after: Number((await tx.configRevision.findUnique(REVISION_ROW))!.revision) };
}

async function committedConfig(tx: TransactionTables): Promise<CommittedConfig> {
  const [flags, segments] = await Promise.all([tx.flag.findMany(), tx.segment.findMany()]);
  return {
    flags: new Map(flags.map((row) => [row.name, toFlag(row)])),
    segmentNames: new Set(segments.map((row) => row.name)),
  };
}

/**
 * The flag a write changes, as committed, after the write's check if it has one: the check has read
 * every flag, this one included, so the flag comes from what it read.
 */
async function existingFlag(tx: TransactionTables, name: string, check?: FlagWriteCheck): Promise<Flag> {
  let flag: Flag | undefined;
  if (check) {
    const committed = await committedConfig(tx);
    check(committed);
    flag = committed.flags.get(name);
  } else {
    const row = await tx.flag.findUnique({ where: { name } });
    flag = row ? toFlag(row) : undefined;
  }
  if (!flag) throw new NotFoundError(`Flag "${name}" not found`);
  return flag;
}

/** Throws when a write must not be attempted (see sqlite-file-guard.ts). */
export type WriteGuard = () => void;

/** What every write needs besides its rows: the guard, the audit entries' shape, and the time it happens. */
export interface WriteContext {
  assertWritable: WriteGuard;
  records: AuditRecords;
  /** The service's clock; every timestamp a write stores comes from it. */
  now: () => Date;
  queue: WriteQueue;
}

const toApiKey = (row: ApiKeyRow): ApiKey => ({ ...row, scope: row.scope as ApiKeyScope });

export class PrismaConfigReader implements ConfigReader {
  constructor(private readonly store: PrismaStore) {}

  async revision(): Promise<number> {
    const row = await this.store.configRevision.findUnique(REVISION_ROW).catch((e) => translatePrismaError(e));
    return Number(row?.revision ?? 0);
  }

  async loadAll(): Promise<ConfigAtRevision> {
    // Revision first: a change landing between the reads makes the data newer, never older.
    const revision = await this.revision();
    const [flags, keys, segments, schedules, experiments] = await Promise.all([
      this.store.flag.findMany(),
      this.store.apiKey.findMany({ orderBy: { createdAt: 'asc' } }),
      this.store.segment.findMany(),
      this.store.scheduledChange.findMany({ where: { appliedAt: null }, orderBy: { at: 'asc' } }),
      this.store.experiment.findMany(),
    ]).catch((e) => translatePrismaError(e));
    return {
      revision,
      flags: flags.map(toFlag),
      apiKeys: keys.map(toApiKey),
      segments: segments.map(toSegment),
      schedules: schedules.map(toScheduledChange),
      experiments: experiments.map(toExperiment),
    };
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
    const [flagNames, keyIds, segmentNames, scheduleIds, experimentKeys] = [
      keysIn('flags'),
      keysIn('api_keys'),
      keysIn('segments'),
      keysIn('scheduled_changes'),
      keysIn('experiments'),
    ];
    const rowsWith = <Row>(keys: string[], read: () => Promise<Row[]>) =>
      keys.length === 0 ? Promise.resolve([]) : read();
    // Read after the log: a change landing in between makes the rows newer, never older.
    const [flags, keys, segments, schedules, experiments] = await Promise.all([
      rowsWith(flagNames, () => this.store.flag.findMany({ where: { name: { in: flagNames } } })),
      rowsWith(keyIds, () =>
        this.store.apiKey.findMany({ where: { id: { in: keyIds } }, orderBy: { createdAt: 'asc' } }),
      ),
      rowsWith(segmentNames, () => this.store.segment.findMany({ where: { name: { in: segmentNames } } })),
      rowsWith(scheduleIds, () =>
        this.store.scheduledChange.findMany({
          where: { id: { in: scheduleIds }, appliedAt: null },
          orderBy: { at: 'asc' },
        }),
      ),
      rowsWith(experimentKeys, () => this.store.experiment.findMany({ where: { key: { in: experimentKeys } } })),
    ]).catch((e) => translatePrismaError(e));
    return {
      revision: Number(log[log.length - 1].revision),
      flags: changedRows(flagNames, flags.map(toFlag), (flag) => flag.name),
      apiKeys: changedRows(keyIds, keys.map(toApiKey), (key) => key.id),
      segments: changedRows(segmentNames, segments.map(toSegment), (segment) => segment.name),
      schedules: changedRows(scheduleIds, schedules.map(toScheduledChange), (change) => change.id),
      experiments: changedRows(experimentKeys, experiments.map(toExperiment), (experiment) => experiment.key),
    };
  }
}

const unchangedSince = (revision: number): ConfigChanges => {
  const none = { present: [], gone: [] };
  return { revision, flags: none, apiKeys: none, segments: none, schedules: none, experiments: none };
};

function changedRows<T>(keys: string[], present: T[], keyOf: (row: T) => string): ChangedRows<T> {
  const found = new Set(present.map(keyOf));
  return { present, gone: keys.filter((key) => !found.has(key)) };
}

export class PrismaFlagRepository implements FlagRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async create(flag: NewFlag, actor: Actor, check?: FlagWriteCheck): Promise<{ flag: Flag; revisions: RevisionSpan }> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      if (check) check(await committedConfig(tx));
      const created = toFlag(await tx.flag.create({ data: { ...toFlagRow(flag), createdAt: at, updatedAt: at } }));
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'flag.created',
        targetType: 'flag',
        target: flag.name,
        before: null,
        after: this.writes.records.flag(created),
      });
      return { flag: created, revisions: await revisionsOf(tx, revisionBefore) };
    }).catch((e) => translatePrismaError(e, { conflict: `A flag named "${flag.name}" already exists` }));
  }

  async update(
    name: string,
    changes: FlagChanges,
    actor: Actor,
    check?: FlagWriteCheck,
  ): Promise<{ flag: Flag; revisions: RevisionSpan }> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      const before = await existingFlag(tx, name, check);
      const after = toFlag(
        await tx.flag.update({ where: { name }, data: { ...toFlagRowChanges(changes), updatedAt: at } }),
      );
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'flag.updated',
        targetType: 'flag',
        target: name,
        before: this.writes.records.flag(before),
        after: this.writes.records.flag(after),
      });
      return { flag: after, revisions: await revisionsOf(tx, revisionBefore) };
    }).catch((e) => translatePrismaError(e, { notFound: `Flag "${name}" not found` }));
  }

  async delete(name: string, actor: Actor, check?: FlagWriteCheck): Promise<RevisionSpan> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      const before = await existingFlag(tx, name, check);
      await tx.flag.delete({ where: { name } });
      await tx.scheduledChange.deleteMany({ where: { flagName: name } });
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'flag.deleted',
        targetType: 'flag',
        target: name,
        before: this.writes.records.flag(before),
        after: null,
      });
      return revisionsOf(tx, revisionBefore);
    }).catch((e) => translatePrismaError(e, { notFound: `Flag "${name}" not found` }));
  }
}

export class PrismaSegmentRepository implements SegmentRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async create(segment: NewSegment, actor: Actor): Promise<Segment> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const created = toSegment(
        await tx.segment.create({ data: { ...toSegmentRow(segment), createdAt: at, updatedAt: at } }),
      );
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'segment.created',
        targetType: 'segment',
        target: segment.name,
        before: null,
        after: this.writes.records.segment(created),
      });
      return created;
    }).catch((e) => translatePrismaError(e, { conflict: `A segment named "${segment.name}" already exists` }));
  }

  async update(name: string, changes: SegmentChanges, actor: Actor): Promise<Segment> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const before = await tx.segment.findUnique({ where: { name } });
      if (!before) throw new NotFoundError(`Segment "${name}" not found`);
      const after = toSegment(
        await tx.segment.update({
          where: { name },
          data: { ...toSegmentRowChanges(changes), updatedAt: at },
        }),
      );
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'segment.updated',
        targetType: 'segment',
        target: name,
        before: this.writes.records.segment(toSegment(before)),
        after: this.writes.records.segment(after),
      });
      return after;
    }).catch((e) => translatePrismaError(e, { notFound: `Segment "${name}" not found` }));
  }

  async delete(name: string, actor: Actor, check: FlagWriteCheck): Promise<void> {
    this.writes.assertWritable();
    await inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const before = await tx.segment.findUnique({ where: { name } });
      if (!before) throw new NotFoundError(`Segment "${name}" not found`);
      check(await committedConfig(tx));
      await tx.segment.delete({ where: { name } });
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'segment.deleted',
        targetType: 'segment',
        target: name,
        before: this.writes.records.segment(toSegment(before)),
        after: null,
      });
    }).catch((e) => translatePrismaError(e, { notFound: `Segment "${name}" not found` }));
  }
}

export class PrismaScheduleRepository implements ScheduleRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async list(flagName: string): Promise<ScheduledChange[]> {
    const rows = await this.store.scheduledChange
      .findMany({ where: { flagName }, orderBy: { at: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toScheduledChange);
  }

  async create(change: NewScheduledChange, actor: Actor): Promise<ScheduledChange> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      if (!(await tx.flag.findUnique({ where: { name: change.flagName } })))
        throw new NotFoundError(`Flag "${change.flagName}" not found`);
      const created = toScheduledChange(
        await tx.scheduledChange.create({
          data: { ...toScheduledChangeRow(change), createdAt: at },
        }),
      );
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'schedule.created',
        targetType: 'flag',
        target: change.flagName,
        before: null,
        after: this.writes.records.schedule(created),
      });
      return created;
    }).catch((e) => translatePrismaError(e));
  }

  async cancel(flagName: string, id: string, actor: Actor): Promise<void> {
    this.writes.assertWritable();
    await inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const row = await tx.scheduledChange.findUnique({ where: { id } });
      if (!row || row.flagName !== flagName) throw new NotFoundError(`Flag "${flagName}" has no schedule "${id}"`);
      if (row.appliedAt)
        throw new ConflictError(
          `Schedule "${id}" was applied at ${row.appliedAt.toISOString()}; change the flag instead`,
        );
      await tx.scheduledChange.delete({ where: { id } });
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'schedule.cancelled',
        targetType: 'flag',
        target: flagName,
        before: this.writes.records.schedule(toScheduledChange(row)),
        after: null,
      });
    }).catch((e) => translatePrismaError(e));
  }

  async apply(id: string, actor: Actor): Promise<Flag | undefined> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      // The claim: only one instance's update finds the row still pending.
      const claimed = await tx.scheduledChange.updateMany({
        where: { id, appliedAt: null },
        data: { appliedAt: at },
      });
      if (claimed.count === 0) return undefined;
      const change = toScheduledChange((await tx.scheduledChange.findUnique({ where: { id } }))!);
      const before = await tx.flag.findUnique({ where: { name: change.flagName } });
      if (!before) return undefined;
      const after = toFlag(
        await tx.flag.update({
          where: { name: change.flagName },
          data: { ...change.changes, updatedAt: at },
        }),
      );
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'schedule.applied',
        targetType: 'flag',
        target: change.flagName,
        before: this.writes.records.flag(toFlag(before)),
        after: this.writes.records.flag(after),
      });
      return after;
    }).catch((e) => translatePrismaError(e));
  }
}

export class PrismaApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async list(): Promise<ApiKey[]> {
    const rows = await this.store.apiKey
      .findMany({ orderBy: { createdAt: 'asc' } })
      .catch((e) => translatePrismaError(e));
    return rows.map(toApiKey);
  }

  async create(key: NewApiKey, actor: Actor): Promise<ApiKey> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const created = toApiKey(await tx.apiKey.create({ data: { ...key, createdAt: at } }));
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'api_key.created',
        targetType: 'api_key',
        target: key.id,
        before: null,
        after: this.writes.records.apiKey(created),
      });
      return created;
    }).catch((e) => translatePrismaError(e));
  }

  async revoke(id: string, actor: Actor, check?: (key: ApiKey, active: ApiKey[]) => void): Promise<ApiKey> {
    this.writes.assertWritable();
    // The transaction takes the revision row first (inWriteTransaction), so concurrent revocations,
    // on any instance, run one after the other and each check sees the ones before it.
    return inWriteTransaction(this.store, this.writes.queue, async (tx) => {
      const at = this.writes.now();
      const before = await tx.apiKey.findUnique({ where: { id } });
      if (!before || before.revokedAt) throw new NotFoundError(`No active API key with id "${id}"`);
      if (check) {
        const active = await tx.apiKey.findMany({ where: { revokedAt: null }, orderBy: { createdAt: 'asc' } });
        check(toApiKey(before), active.map(toApiKey));
      }
      const after = toApiKey(await tx.apiKey.update({ where: { id }, data: { revokedAt: at } }));
      await recordAudit(tx.auditEntry, at, {
        actor,
        action: 'api_key.revoked',
        targetType: 'api_key',
        target: id,
        before: this.writes.records.apiKey(toApiKey(before)),
        after: this.writes.records.apiKey(after),
      });
      return after;
    }).catch((e) => translatePrismaError(e));
  }
}

export class PrismaAuditLog implements AuditLog {
  constructor(private readonly store: PrismaStore) {}

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.store.auditEntry
      .findMany({
        where: {
          targetType: query.targetType,
          target: query.target,
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
      before: row.before === null ? null : JSON.parse(row.before),
      after: row.after === null ? null : JSON.parse(row.after),
    }));
  }
}

export class PrismaExperimentRepository implements ExperimentRepository {
  constructor(
    private readonly store: PrismaStore,
    private readonly writes: WriteContext,
  ) {}

  async list(): Promise<Experiment[]> {
    const rows = await this.store.experiment.findMany().catch((e) => translatePrismaError(e));
    return rows.map(toExperiment);
  }

  async create(experiment: NewExperiment, actor: Actor): Promise<{ experiment: Experiment; revisions: RevisionSpan }> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      const created = toExperiment(
        await tx.experiment.create({
          data: { ...toExperimentRow(experiment), status: 'draft', createdAt: at, updatedAt: at },
        }),
      );
      await this.audit(tx, at, actor, 'experiment.created', null, created);
      return { experiment: created, revisions: await revisionsOf(tx, revisionBefore) };
    }).catch((e) =>
      translatePrismaError(e, { conflict: `An experiment with the key "${experiment.key}" already exists` }),
    );
  }

  async start(
    key: string,
    actor: Actor,
    check: (experiment: Experiment, flag: Flag | undefined, others: Experiment[]) => void,
  ): Promise<{ experiment: Experiment; revisions: RevisionSpan }> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      const before = await this.existing(tx, key);
      const flagRow = await tx.flag.findUnique({ where: { name: before.flagName } });
      const flag = flagRow ? toFlag(flagRow) : undefined;
      const others = (await tx.experiment.findMany({ where: { flagName: before.flagName } }))
        .map(toExperiment)
        .filter((other) => other.key !== key);
      check(before, flag, others);
      const started = toExperiment(
        await tx.experiment.update({
          where: { key },
          data: {
            status: 'running',
            startWeights: encodeWeights(flag?.variants ?? []),
            startedAt: at,
            updatedAt: at,
          },
        }),
      );
      await this.audit(tx, at, actor, 'experiment.started', before, started);
      return { experiment: started, revisions: await revisionsOf(tx, revisionBefore) };
    }).catch((e) => translatePrismaError(e));
  }

  async stop(
    key: string,
    actor: Actor,
    check: (experiment: Experiment) => void,
  ): Promise<{ experiment: Experiment; revisions: RevisionSpan }> {
    this.writes.assertWritable();
    return inWriteTransaction(this.store, this.writes.queue, async (tx, revisionBefore) => {
      const at = this.writes.now();
      const before = await this.existing(tx, key);
      check(before);
      const stopped = toExperiment(
        await tx.experiment.update({ where: { key }, data: { status: 'stopped', stoppedAt: at, updatedAt: at } }),
      );
      await this.audit(tx, at, actor, 'experiment.stopped', before, stopped);
      return { experiment: stopped, revisions: await revisionsOf(tx, revisionBefore) };
    }).catch((e) => translatePrismaError(e));
  }

  private async existing(tx: TransactionTables, key: string): Promise<Experiment> {
    const row = await tx.experiment.findUnique({ where: { key } });
    if (!row) throw new NotFoundError(`Experiment "${key}" not found`);
    return toExperiment(row);
  }

  private audit(
    tx: TransactionTables,
    at: Date,
    actor: Actor,
    action: string,
    before: Experiment | null,
    after: Experiment,
  ) {
    return recordAudit(tx.auditEntry, at, {
      actor,
      action,
      targetType: 'experiment',
      target: after.key,
      before: before && this.writes.records.experiment(before),
      after: this.writes.records.experiment(after),
    });
  }
}
