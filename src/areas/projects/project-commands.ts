import type {
  CreateEnvironment,
  CreateProject,
  DeleteEnvironment,
  DeleteProject,
  UpdateEnvironment,
  UpdateProject,
} from '../../core/commands.js';
import { type Environment, type Project } from '../../core/projects.js';
import { equalWeights, offSettings, settingsOf } from '../../core/flags.js';
import type { ConfigWrite } from '../../db/repositories.js';
import type { ExperimentData } from '../experiments/experiment-store.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { auditRecords } from '../audit/audit-records.js';
import type { CommandContext, GlobalCommandContext } from '../commands/command-pipeline.js';
import { DEFAULT_ENVIRONMENT, DEFAULT_PROJECT } from './addressing.js';

/** The writes project and environment commands make, and the reads they check them against. */
type ProjectWrites = Pick<
  ConfigWrite,
  | 'activeApiKeys'
  | 'audit'
  | 'configsOfEnvironment'
  | 'createEnvironment'
  | 'createFlagConfig'
  | 'createProject'
  | 'deleteEnvironment'
  | 'deleteExperiment'
  | 'deleteFlag'
  | 'deleteFlagConfig'
  | 'deleteProject'
  | 'deleteSchedule'
  | 'deleteSegment'
  | 'environments'
  | 'experimentsOfEnvironment'
  | 'flags'
  | 'schedulesOfEnvironment'
  | 'segments'
  | 'updateEnvironment'
  | 'updateProject'
>;

const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development' },
  { key: DEFAULT_ENVIRONMENT, name: 'Production' },
];

/** Positions 0, 1, 2… in this order, writing only those that move. */
async function renumber(write: ProjectWrites, environments: Environment[]): Promise<void> {
  for (const [position, environment] of environments.entries()) {
    if (environment.position !== position) await write.updateEnvironment(environment.id, { position });
  }
}

/**
 * The environments' settings, schedules and experiments; their exposures and events (not part of the
 * configuration) are deleted once the change has committed.
 */
async function removeEnvironments(
  { write, afterCommit }: CommandContext<ProjectWrites>,
  environments: Environment[],
  data: ExperimentData,
): Promise<void> {
  const experimentIds: number[] = [];
  for (const environment of environments) {
    for (const config of await write.configsOfEnvironment(environment.id)) await write.deleteFlagConfig(config.id);
    for (const change of await write.schedulesOfEnvironment(environment.id)) await write.deleteSchedule(change.id);
    for (const experiment of await write.experimentsOfEnvironment(environment.id)) {
      await write.deleteExperiment(experiment.id);
      experimentIds.push(experiment.id);
    }
    await write.deleteEnvironment(environment.id);
  }
  afterCommit(() =>
    data.deleteData(
      environments.map((e) => e.id),
      experimentIds,
    ),
  );
}

async function createProject(
  { payload }: CreateProject,
  { write, actor }: GlobalCommandContext<ProjectWrites>,
): Promise<Project> {
  const environments = payload.environments ?? DEFAULT_ENVIRONMENTS;
  const created = await write.createProject({
    key: payload.key,
    name: payload.name,
    description: payload.description,
    experimentSettings: payload.experimentSettings,
  });
  for (const [position, environment] of environments.entries()) {
    await write.createEnvironment({ projectId: created.id, ...environment, position });
  }
  await write.audit({
    actor,
    action: 'project.created',
    targetType: 'project',
    target: created.key,
    project: created.key,
    environment: null,
    before: null,
    after: { ...auditRecords.project(created), environments: environments.map((e) => e.key) },
  });
  return created;
}

async function updateProject(
  { payload }: UpdateProject,
  { write, project, actor }: CommandContext<ProjectWrites>,
): Promise<Project> {
  const { experimentSettings, ...fields } = payload;
  const after = await write.updateProject(project.id, {
    ...fields,
    ...(experimentSettings && { experimentSettings: { ...project.experimentSettings, ...experimentSettings } }),
  });
  await write.audit({
    actor,
    action: 'project.updated',
    targetType: 'project',
    target: after.key,
    project: after.key,
    environment: null,
    before: auditRecords.project(project),
    after: auditRecords.project(after),
  });
  return after;
}

/** Everything in the project goes: environments, flags, segments, schedules, experiments and their data. */
const deleteProject = (data: ExperimentData) =>
  async function deleteProject({ payload }: DeleteProject, context: CommandContext<ProjectWrites>): Promise<void> {
    const { write, project, actor } = context;
    const { key } = project;
    if (key === DEFAULT_PROJECT) {
      throw new ConflictError(`Project "${DEFAULT_PROJECT}" is what requests without a project address; it stays`);
    }
    const flags = await write.flags(project.id);
    if (flags.length > 0 && payload.confirm !== key) {
      throw new ConflictError(
        `Project "${key}" holds ${flags.length} flag(s); to delete it with everything in it, repeat its key: ` +
          `?confirm=${key}`,
      );
    }
    await removeEnvironments(context, await write.environments(project.id), data);
    for (const flag of flags) await write.deleteFlag(flag.id);
    for (const segment of await write.segments(project.id)) await write.deleteSegment(segment.id);
    await write.deleteProject(project.id);
    await write.audit({
      actor,
      action: 'project.deleted',
      targetType: 'project',
      target: key,
      project: key,
      environment: null,
      before: { ...auditRecords.project(project), flags: flags.map((f) => f.name) },
      after: null,
    });
  };

/** Every flag of the project is there: off, or as another environment has it. */
async function createEnvironment(
  { payload }: CreateEnvironment,
  { write, project, actor }: CommandContext<ProjectWrites>,
): Promise<Environment> {
  const environments = await write.environments(project.id);
  const source = payload.copyFrom === null ? undefined : environments.find((e) => e.key === payload.copyFrom);
  if (payload.copyFrom !== null && !source) {
    throw new ValidationError('copy_from', `environment "${payload.copyFrom}" not found in project "${project.key}"`);
  }
  const position = Math.min(payload.position ?? environments.length, environments.length);
  const created = await write.createEnvironment({
    projectId: project.id,
    key: payload.key,
    name: payload.name,
    position,
  });
  await renumber(write, [...environments.slice(0, position), created, ...environments.slice(position)]);
  const copied = source ? new Map((await write.configsOfEnvironment(source.id)).map((c) => [c.flagId, c])) : undefined;
  for (const flag of await write.flags(project.id)) {
    const from = copied?.get(flag.id);
    await write.createFlagConfig({
      flagId: flag.id,
      environmentId: created.id,
      ...(from ? settingsOf(from) : offSettings(equalWeights(flag.variants))),
    });
  }
  await write.audit({
    actor,
    action: 'environment.created',
    targetType: 'environment',
    target: created.key,
    project: project.key,
    environment: created.key,
    before: null,
    after: { ...auditRecords.environment(created), copied_from: source?.key ?? null },
  });
  return created;
}

/** Renames (key or name) and moves the environment in the project's order. */
async function updateEnvironment(
  { payload: changes }: UpdateEnvironment,
  { write, project, environment: before, actor }: CommandContext<ProjectWrites>,
): Promise<Environment> {
  const environment = before!;
  if (
    changes.key !== undefined &&
    changes.key !== environment.key &&
    project.key === DEFAULT_PROJECT &&
    environment.key === DEFAULT_ENVIRONMENT
  ) {
    throw new ConflictError(
      `"${DEFAULT_PROJECT}/${DEFAULT_ENVIRONMENT}" is what requests without a project address; it keeps its key`,
    );
  }
  let after = await write.updateEnvironment(environment.id, { key: changes.key, name: changes.name });
  if (changes.position !== undefined) {
    const others = (await write.environments(project.id)).filter((e) => e.id !== environment.id);
    const position = Math.min(changes.position, others.length);
    await renumber(write, [...others.slice(0, position), after, ...others.slice(position)]);
    after = { ...after, position };
  }
  await write.audit({
    actor,
    action: 'environment.updated',
    targetType: 'environment',
    target: after.key,
    project: project.key,
    environment: after.key,
    before: auditRecords.environment(environment),
    after: auditRecords.environment(after),
  });
  return after;
}

/** Every flag's settings there go with it; refused while API keys evaluate in it. */
const deleteEnvironment = (data: ExperimentData) =>
  async function deleteEnvironment(
    { payload }: DeleteEnvironment,
    context: CommandContext<ProjectWrites>,
  ): Promise<void> {
    const { write, project, actor } = context;
    const environment = context.environment!;
    const { key } = environment;
    if (project.key === DEFAULT_PROJECT && key === DEFAULT_ENVIRONMENT) {
      throw new ConflictError(
        `"${DEFAULT_PROJECT}/${DEFAULT_ENVIRONMENT}" is what requests without a project address; it stays`,
      );
    }
    const flags = await write.configsOfEnvironment(environment.id);
    if (flags.length > 0 && payload.confirm !== key) {
      throw new ConflictError(
        `Environment "${key}" holds the settings of ${flags.length} flag(s); to delete them with it, repeat ` +
          `its key: ?confirm=${key}`,
      );
    }
    const keys = (await write.activeApiKeys()).filter((k) => k.environmentId === environment.id);
    if (keys.length > 0) {
      throw new ConflictError(
        `API keys evaluate in "${key}" (${keys.map((k) => `"${k.name}"`).join(', ')}); revoke them first`,
      );
    }
    const remaining = (await write.environments(project.id)).filter((e) => e.id !== environment.id);
    await removeEnvironments(context, [environment], data);
    await renumber(write, remaining);
    await write.audit({
      actor,
      action: 'environment.deleted',
      targetType: 'environment',
      target: key,
      project: project.key,
      environment: key,
      before: auditRecords.environment(environment),
      after: null,
    });
  };

/** The projects' and environments' handlers; what goes with a deleted environment is deleted from `data` too. */
export const projectCommands = (data: ExperimentData) => ({
  'project.create': createProject,
  'project.update': updateProject,
  'project.delete': deleteProject(data),
  'environment.create': createEnvironment,
  'environment.update': updateEnvironment,
  'environment.delete': deleteEnvironment(data),
});
