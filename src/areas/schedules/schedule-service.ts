import type { ScheduledChange } from '../../core/schedules.js';
import type { ScheduleReader } from './schedule-store.js';
import { NotFoundError } from '../../errors.js';
import { type Principal, systemPrincipal } from '../../core/permissions.js';
import type { Clock } from '../../support/clock.js';
import type { Commands } from '../commands/command-handlers.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';

/** What the scheduler reads of the read model: every environment's pending changes. */
export type ScheduleViews = Pick<ConfigSnapshot, 'allEnvironments'>;

/** Who writes a due change to its flag, as the audit log shows it: the service itself, in every project. */
const SCHEDULER: Principal = systemPrincipal('scheduler');

interface SchedulerLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Scheduled changes to a flag in one environment. There is no cron job: evaluation counts a change
 * from its time on (EnvironmentView), and every instance checks each `checkIntervalMs` for due changes
 * and writes them to their flags (a schedule.apply command); the database lets only the first
 * instance do each one. Creating and cancelling them are commands too (schedule-commands.ts).
 */
export class ScheduleService {
  private stopChecking: (() => void) | undefined;
  private applying: Promise<void> | undefined;

  constructor(
    private readonly schedules: ScheduleReader,
    private readonly commands: Commands,
    private readonly snapshot: ScheduleViews,
    private readonly log: SchedulerLogger,
    private readonly clock: Clock,
  ) {}

  list(view: EnvironmentView, flagName: string): Promise<ScheduledChange[]> {
    if (!view.find(flagName)) throw new NotFoundError(`Flag "${flagName}" not found`);
    return this.schedules.list(view.environment.id, flagName);
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

  private async apply({ project, environment }: EnvironmentView, change: ScheduledChange): Promise<void> {
    await this.commands.run(
      {
        type: 'schedule.apply',
        project: project.key,
        environment: environment.key,
        flag: change.flagName,
        schedule: change.id,
        payload: {},
        preparedAgainst: [],
      },
      SCHEDULER,
    );
  }
}
