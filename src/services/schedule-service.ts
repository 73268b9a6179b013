import { randomUUID } from 'node:crypto';
import { type Actor, flagOf, type ScheduledChange, type ScheduledSettings } from '../core/model.js';
import type { ScheduleReader } from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { auditRecords } from './audit-records.js';
import type { Clock } from './clock.js';
import type { ConfigSnapshot, EnvironmentView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';

export interface ScheduleInput {
  at: Date;
  changes: ScheduledSettings;
}

/** Who writes a due change to its flag, as the audit log shows it. */
const SCHEDULER: Actor = { keyId: null, name: 'scheduler' };

interface SchedulerLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Scheduled changes to a flag in one environment. There is no cron job: evaluation counts a change
 * from its time on (EnvironmentView), and every instance checks each `checkIntervalMs` for due changes
 * and writes them to their flags; the database lets only the first instance do each one.
 */
export class ScheduleService {
  private stopChecking: (() => void) | undefined;
  private applying: Promise<void> | undefined;

  constructor(
    private readonly schedules: ScheduleReader,
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly log: SchedulerLogger,
    private readonly clock: Clock,
  ) {}

  list(view: EnvironmentView, flagName: string): Promise<ScheduledChange[]> {
    if (!view.find(flagName)) throw new NotFoundError(`Flag "${flagName}" not found`);
    return this.schedules.list(view.environment.id, flagName);
  }

  async create(view: EnvironmentView, flagName: string, input: ScheduleInput, actor: Actor): Promise<ScheduledChange> {
    if (input.at.getTime() <= this.clock.now())
      throw new ValidationError('at', 'must be in the future; to change the flag now, update it');
    const { project, environment } = view;
    return this.writer.write(async (write) => {
      if (!(await write.flag(project.id, flagName))) throw new NotFoundError(`Flag "${flagName}" not found`);
      const change = await write.createSchedule({
        id: randomUUID(),
        environmentId: environment.id,
        flagName,
        at: input.at,
        changes: input.changes,
      });
      await write.audit({
        actor,
        action: 'schedule.created',
        targetType: 'flag',
        target: flagName,
        project: project.key,
        environment: environment.key,
        before: null,
        after: auditRecords.schedule(change),
      });
      return change;
    });
  }

  async cancel(view: EnvironmentView, flagName: string, id: string, actor: Actor): Promise<void> {
    const { project, environment } = view;
    await this.writer.write(async (write) => {
      const change = await write.schedule(id);
      if (!change || change.flagName !== flagName || change.environmentId !== environment.id)
        throw new NotFoundError(`Flag "${flagName}" has no schedule "${id}"`);
      if (change.appliedAt)
        throw new ConflictError(
          `Schedule "${id}" was applied at ${change.appliedAt.toISOString()}; change the flag instead`,
        );
      await write.deleteSchedule(id);
      await write.audit({
        actor,
        action: 'schedule.cancelled',
        targetType: 'flag',
        target: flagName,
        project: project.key,
        environment: environment.key,
        before: auditRecords.schedule(change),
        after: null,
      });
    });
  }

  start(checkIntervalMs: number): void {
    this.stopChecking = this.clock.every(checkIntervalMs, () => this.applyDue());
  }

  async stop(): Promise<void> {
    this.stopChecking?.();
    await this.applying;
  }

  /** Writes every due change to its flag (skipping those another instance got to first). */
  applyDue(): Promise<void> {
    // One pass at a time; `finally` runs after the assignment, even when the pass has nothing to do.
    this.applying ??= this.applyAllDue().finally(() => (this.applying = undefined));
    return this.applying;
  }

  private async applyAllDue(): Promise<void> {
    try {
      const now = this.clock.now();
      for (const view of [...this.snapshot.allEnvironments()]) {
        for (const change of view.dueSchedules(now)) await this.apply(view, change);
      }
    } catch (error) {
      // Evaluation already honours the change; writing it is retried at the next check.
      this.log.warn({ err: error }, 'could not apply a due scheduled change; retrying');
    }
  }

  /**
   * Another instance may write it first: then this write changes nothing, and the change stays in force
   * here until the sync brings that instance's flag, and the applied change with it; dropping it now
   * would answer the old flag meanwhile.
   */
  private async apply({ project, environment }: EnvironmentView, change: ScheduledChange): Promise<void> {
    await this.writer.write(async (write) => {
      if (!(await write.claimSchedule(change.id))) return;
      const definition = await write.flag(project.id, change.flagName);
      const config =
        definition && (await write.configsOfFlag(definition.id)).find((c) => c.environmentId === environment.id);
      if (!definition || !config) return;
      const after = await write.updateFlagConfig(config.id, change.changes);
      await write.audit({
        actor: SCHEDULER,
        action: 'schedule.applied',
        targetType: 'flag',
        target: change.flagName,
        project: project.key,
        environment: environment.key,
        before: auditRecords.flag(flagOf(definition, config)),
        after: auditRecords.flag(flagOf(definition, after)),
      });
    });
  }
}
