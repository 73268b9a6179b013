/**
 * The configuration's store: runs a unit of work under the revision row's lock, and reads the whole
 * configuration (at start) or what changed since a revision (when another instance announces a change).
 */
import type { FlagConfig } from '../core/flags.js';
import { unchangedSince, changedRows } from './config-delta.js';
import { type WriteContext, PrismaConfigWrite } from './config-write.js';
import { translatePrismaError } from './prisma-errors.js';
import type { PrismaStore } from './prisma-tables.js';
import type {
  ConfigStore,
  ConfigWrite,
  ConfigWriteResult,
  RevisionSpan,
  ConfigReader,
  ConfigAtRevision,
  ConfigChanges,
} from './repositories.js';
import {
  toProject,
  toEnvironment,
  toFlagDefinition,
  toApiKey,
  toSegment,
  toScheduledChange,
  toExperiment,
  toFlagConfig,
} from './stored-rows.js';

// The single row of config_revision, created by its migration.
const REVISION_ROW = { where: { id: 1 } };

// Rows of flag_configs read at once by a full load.
const LOAD_PAGE_ROWS = 2000;

// An import or an environment copied from another writes thousands of rows in one transaction.
const WRITE_TIMEOUT_MS = 60_000;

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
