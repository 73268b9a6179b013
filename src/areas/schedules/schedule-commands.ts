import type { ApplySchedule, CancelSchedule, CreateSchedule } from '../../core/commands.js';
import { flagOf } from '../../core/flags.js';
import { type ScheduledChange } from '../../core/schedules.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditRecords } from '../audit/audit-records.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import type { ConfigWrite } from '../../db/repositories.js';

/** The writes schedule commands make, and the reads they check them against. */
type ScheduleWrites = Pick<
  ConfigWrite,
  | 'at'
  | 'audit'
  | 'claimSchedule'
  | 'configsOfFlag'
  | 'createSchedule'
  | 'deleteSchedule'
  | 'flag'
  | 'schedule'
  | 'updateFlagConfig'
>;

/** A change to one environment's settings of a flag at a time to come; evaluation follows it from then on. */
async function createSchedule(
  { flag, schedule, payload }: CreateSchedule,
  { write, project, environment, actor }: CommandContext<ScheduleWrites>,
): Promise<ScheduledChange> {
  if (payload.at.getTime() <= write.at.getTime())
    throw new ValidationError('at', 'must be in the future; to change the flag now, update it');
  if (!(await write.flag(project.id, flag))) throw new NotFoundError(`Flag "${flag}" not found`);
  const change = await write.createSchedule({
    id: schedule,
    environmentId: environment!.id,
    flagName: flag,
    at: payload.at,
    changes: payload.changes,
  });
  await write.audit({
    actor,
    action: 'schedule.created',
    targetType: 'flag',
    target: flag,
    project: project.key,
    environment: environment!.key,
    before: null,
    after: auditRecords.schedule(change),
  });
  return change;
}

async function scheduleOf({ write, environment }: CommandContext<ScheduleWrites>, flag: string, id: string) {
  const change = await write.schedule(id);
  if (!change || change.flagName !== flag || change.environmentId !== environment!.id)
    throw new NotFoundError(`Flag "${flag}" has no schedule "${id}"`);
  return change;
}

async function cancelSchedule(
  { flag, schedule }: CancelSchedule,
  context: CommandContext<ScheduleWrites>,
): Promise<void> {
  const { write, project, environment, actor } = context;
  const change = await scheduleOf(context, flag, schedule);
  if (change.appliedAt)
    throw new ConflictError(
      `Schedule "${schedule}" was applied at ${change.appliedAt.toISOString()}; change the flag instead`,
    );
  await write.deleteSchedule(schedule);
  await write.audit({
    actor,
    action: 'schedule.cancelled',
    targetType: 'flag',
    target: flag,
    project: project.key,
    environment: environment!.key,
    before: auditRecords.schedule(change),
    after: null,
  });
}

/**
 * A due change written to its flag. Another instance may write it first: then this changes nothing
 * (the claim finds it applied), and the change stays in force here until the sync brings that
 * instance's write.
 */
async function applySchedule(
  { flag, schedule }: ApplySchedule,
  context: CommandContext<ScheduleWrites>,
): Promise<void> {
  const { write, project, environment, actor } = context;
  const change = await write.schedule(schedule);
  if (change && change.at > write.at)
    throw new ConflictError(`Schedule "${schedule}" is due at ${change.at.toISOString()}; it applies itself then`);
  // Cancelled meanwhile, or claimed by another instance: nothing to do.
  if (!change || !(await write.claimSchedule(change.id))) return;
  const definition = await write.flag(project.id, flag);
  const config =
    definition && (await write.configsOfFlag(definition.id)).find((c) => c.environmentId === environment!.id);
  if (!definition || !config) return;
  const after = await write.updateFlagConfig(config.id, change.changes);
  await write.audit({
    actor,
    action: 'schedule.applied',
    targetType: 'flag',
    target: flag,
    project: project.key,
    environment: environment!.key,
    before: auditRecords.flag(flagOf(definition, config)),
    after: auditRecords.flag(flagOf(definition, after)),
  });
}

/** The scheduled changes' handlers. */
export const scheduleCommands = {
  'schedule.create': createSchedule,
  'schedule.cancel': cancelSchedule,
  'schedule.apply': applySchedule,
};
