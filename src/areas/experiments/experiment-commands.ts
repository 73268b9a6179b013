import type { CreateExperiment, StartExperiment, StopExperiment } from '../../core/commands.js';
import { type AuditAction } from '../../core/audit.js';
import { type Experiment } from '../../core/experiments.js';
import { type Flag, flagOf } from '../../core/flags.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditRecords } from '../audit/audit-records.js';
import type { CommandContext } from '../commands/command-pipeline.js';
import type { ConfigWrite } from '../../db/repositories.js';

/** The writes experiment commands make, and the reads they check them against. */
type ExperimentWrites = Pick<
  ConfigWrite,
  | 'at'
  | 'audit'
  | 'configsOfFlag'
  | 'createExperiment'
  | 'experiment'
  | 'experimentsOfFlag'
  | 'flag'
  | 'updateExperiment'
>;

export const experimentNotFound = (key: string) => new NotFoundError(`Experiment "${key}" not found`);

/** A flag an experiment can run on: two variants at least, one of them the control. */
function checkVariants(flag: Flag, control: string): void {
  if (flag.variants.length < 2) {
    throw new ValidationError('flag_name', `flag "${flag.name}" needs at least two variants to run an experiment`);
  }
  if (!flag.variants.some((v) => v.key === control)) {
    const known = flag.variants.map((v) => `"${v.key}"`).join(', ');
    throw new ValidationError('control', `"${control}" is not a variant of flag "${flag.name}" (${known})`);
  }
}

/** The flag as committed in the command's environment; undefined when it is not there. */
async function committedFlag({ write, project, environment }: CommandContext<ExperimentWrites>, name: string) {
  const definition = await write.flag(project.id, name);
  const config =
    definition && (await write.configsOfFlag(definition.id)).find((c) => c.environmentId === environment!.id);
  return definition && config ? flagOf(definition, config) : undefined;
}

const audit = (
  { write, project, environment, actor }: CommandContext<ExperimentWrites>,
  action: AuditAction,
  before: Experiment | null,
  after: Experiment,
) =>
  write.audit({
    actor,
    action,
    targetType: 'experiment',
    target: after.key,
    project: project.key,
    environment: environment!.key,
    before: before && auditRecords.experiment(before),
    after: auditRecords.experiment(after),
  });

async function createExperiment(
  { payload }: CreateExperiment,
  context: CommandContext<ExperimentWrites>,
): Promise<Experiment> {
  const flag = await committedFlag(context, payload.flagName);
  if (!flag) throw new ValidationError('flag_name', `flag "${payload.flagName}" not found`);
  checkVariants(flag, payload.control);
  const created = await context.write.createExperiment({
    ...payload,
    sequential: payload.sequential ?? context.project.experimentSettings.sequential,
    environmentId: context.environment!.id,
  });
  await audit(context, 'experiment.created', null, created);
  return created;
}

/** Checked against what is committed, in the transaction: two starts on one flag cannot both win. */
async function startExperiment(
  { experiment: key }: StartExperiment,
  context: CommandContext<ExperimentWrites>,
): Promise<Experiment> {
  const { write, environment } = context;
  const experiment = await write.experiment(environment!.id, key);
  if (!experiment) throw experimentNotFound(key);
  if (experiment.status !== 'draft') throw new ConflictError(`Experiment "${key}" is ${experiment.status}`);
  const flag = await committedFlag(context, experiment.flagName);
  if (!flag) throw new ConflictError(`Flag "${experiment.flagName}" no longer exists`);
  checkVariants(flag, experiment.control);
  const running = (await write.experimentsOfFlag(environment!.id, flag.name)).find(
    (other) => other.key !== key && other.status === 'running',
  );
  if (running) {
    throw new ConflictError(
      `Flag "${flag.name}" already runs experiment "${running.key}"; stop it first (one experiment per flag)`,
    );
  }
  const started = await write.updateExperiment(experiment.id, {
    status: 'running',
    startWeights: flag.variants,
    startedAt: write.at,
  });
  await audit(context, 'experiment.started', experiment, started);
  return started;
}

async function stopExperiment(
  { experiment: key }: StopExperiment,
  context: CommandContext<ExperimentWrites>,
): Promise<Experiment> {
  const { write, environment } = context;
  const experiment = await write.experiment(environment!.id, key);
  if (!experiment) throw experimentNotFound(key);
  if (experiment.status !== 'running') throw new ConflictError(`Experiment "${key}" is ${experiment.status}`);
  const stopped = await write.updateExperiment(experiment.id, { status: 'stopped', stoppedAt: write.at });
  await audit(context, 'experiment.stopped', experiment, stopped);
  return stopped;
}

/** The experiments' handlers. */
export const experimentCommands = {
  'experiment.create': createExperiment,
  'experiment.start': startExperiment,
  'experiment.stop': stopExperiment,
};
