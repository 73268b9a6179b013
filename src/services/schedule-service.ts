import { randomUUID } from 'node:crypto';
import type { Actor, ScheduledChange } from '../core/model.js';
import type { ScheduleRepository } from '../db/repositories.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { percentageToBasisPoints } from '../core/rollout.js';
import type { Clock } from './clock.js';
import type { ConfigSnapshot } from './config-snapshot.js';

export interface ScheduleInput {
  at: Date;
  status?: boolean;
  rolloutPercentage?: number;
}

/** Who writes a due change to its flag, as the audit log shows it. */
const SCHEDULER: Actor = { keyId: null, name: 'scheduler' };

interface SchedulerLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Scheduled changes to flags. There is no cron job: evaluation counts a change from its time on
 * (ConfigSnapshot), and every instance checks each `checkIntervalMs` for due changes and writes them to
 * their flags; the database lets only the first instance do each one.
 */
export class ScheduleService {
  private stopChecking: (() => void) | undefined;
  private applying: Promise<void> | undefined;

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly snapshot: ConfigSnapshot,
    private readonly log: SchedulerLogger,
    private readonly clock: Clock,
  ) {}

  list(flagName: string): Promise<ScheduledChange[]> {
    if (!this.snapshot.find(flagName)) throw new NotFoundError(`Flag "${flagName}" not found`);
    return this.schedules.list(flagName);
  }

  async create(flagName: string, input: ScheduleInput, actor: Actor): Promise<ScheduledChange> {
    if (input.at.getTime() <= this.clock.now())
      throw new ValidationError('at', 'must be in the future; to change the flag now, update it');
    const change = await this.schedules.create(
      {
        id: randomUUID(),
        flagName,
        at: input.at,
        changes: {
          ...(input.status !== undefined && { status: input.status }),
          ...(input.rolloutPercentage !== undefined && {
            rolloutBasisPoints: percentageToBasisPoints(input.rolloutPercentage),
          }),
        },
      },
      actor,
    );
    this.snapshot.addSchedule(change);
    return change;
  }

  async cancel(flagName: string, id: string, actor: Actor): Promise<void> {
    await this.schedules.cancel(flagName, id, actor);
    this.snapshot.removeSchedule(id);
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
      for (const change of this.snapshot.dueSchedules(this.clock.now())) {
        const flag = await this.schedules.apply(change.id, SCHEDULER);
        // Another instance wrote it first: the change stays in force here until the sync brings that
        // instance's flag, and the applied change with it; dropping it now would answer the old flag meanwhile.
        if (flag) this.snapshot.removeSchedule(change.id, flag);
      }
    } catch (error) {
      // Evaluation already honours the change; writing it is retried at the next check.
      this.log.warn({ err: error }, 'could not apply a due scheduled change; retrying');
    }
  }
}
