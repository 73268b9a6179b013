import { type Actor, type Environment, equalWeights, offSettings, type Project, settingsOf } from '../core/model.js';
import type { ConfigWrite, ExperimentData } from '../db/repositories.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { auditRecords } from './audit-records.js';
import type { Principal } from './auth-service.js';
import type { ConfigSnapshot, ProjectView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { DEFAULT_ENVIRONMENT, DEFAULT_PROJECT } from './scope.js';

export interface ProjectInput {
  key: string;
  name: string;
  description: string | null;
  /** In order; development and production when none are given. */
  environments?: { key: string; name: string }[];
}

export interface EnvironmentInput {
  key: string;
  name: string;
  /** Where it goes in the project's order (0 first); last when not given. */
  position?: number;
  /** Another environment of the project whose every flag's settings the new one starts with; else every flag is off. */
  copyFrom?: string;
}

const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development' },
  { key: DEFAULT_ENVIRONMENT, name: 'Production' },
];

const projectNotFound = (key: string) => new NotFoundError(`Project "${key}" not found`);
const environmentNotFound = (key: string, project: string) =>
  new NotFoundError(`Environment "${key}" not found in project "${project}"`);

/**
 * Projects and their environments. A new environment holds every flag of the project: off, or as
 * another environment has it. Deleting what still holds flags needs the caller to say so
 * (`confirm` repeating its key), since every flag's settings there go with it.
 */
export class ProjectService {
  constructor(
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly experimentData: ExperimentData,
  ) {}

  /** The projects the caller may see: its own only, for a project's key. */
  list(caller: Principal): ProjectView[] {
    return this.snapshot.allProjects().filter((p) => caller.projectId === null || p.project.id === caller.projectId);
  }

  async create(input: ProjectInput, caller: Principal): Promise<ProjectView> {
    if (caller.projectId !== null) throw new ForbiddenError("A project's API key cannot create projects");
    const environments = input.environments ?? DEFAULT_ENVIRONMENTS;
    const project = await this.writer.write(
      async (write) => {
        const created = await write.createProject({ key: input.key, name: input.name, description: input.description });
        for (const [position, environment] of environments.entries()) {
          await write.createEnvironment({ projectId: created.id, ...environment, position });
        }
        await write.audit({
          actor: caller,
          action: 'project.created',
          targetType: 'project',
          target: created.key,
          project: created.key,
          environment: null,
          before: null,
          after: { ...auditRecords.project(created), environments: environments.map((e) => e.key) },
        });
        return created;
      },
      { conflict: `A project with the key "${input.key}" already exists` },
    );
    return this.snapshot.projectById(project.id)!;
  }

  async update(view: ProjectView, changes: { name?: string; description?: string | null }, actor: Actor) {
    await this.writer.write(async (write) => {
      const before = await this.existing(write, view.project.key);
      const after = await write.updateProject(before.id, changes);
      await write.audit({
        actor,
        action: 'project.updated',
        targetType: 'project',
        target: after.key,
        project: after.key,
        environment: null,
        before: auditRecords.project(before),
        after: auditRecords.project(after),
      });
    });
    return this.snapshot.projectById(view.project.id)!;
  }

  /** Everything in the project goes: environments, flags, segments, schedules, experiments and their data. */
  async delete(view: ProjectView, confirm: string | undefined, caller: Principal): Promise<void> {
    const { key } = view.project;
    if (key === DEFAULT_PROJECT) {
      throw new ConflictError(`Project "${DEFAULT_PROJECT}" is what requests without a project address; it stays`);
    }
    if (caller.projectId !== null) throw new ForbiddenError("A project's API key cannot delete its project");
    const { environmentIds, experimentIds } = await this.writer.write(async (write) => {
      const project = await this.existing(write, key);
      const flags = await write.flags(project.id);
      if (flags.length > 0 && confirm !== key) {
        throw new ConflictError(
          `Project "${key}" holds ${flags.length} flag(s); to delete it with everything in it, repeat its key: ` +
            `?confirm=${key}`,
        );
      }
      const environments = await write.environments(project.id);
      const removed = await this.removeEnvironments(write, environments);
      for (const flag of flags) await write.deleteFlag(flag.id);
      for (const segment of await write.segments(project.id)) await write.deleteSegment(segment.id);
      await write.deleteProject(project.id);
      await write.audit({
        actor: caller,
        action: 'project.deleted',
        targetType: 'project',
        target: key,
        project: key,
        environment: null,
        before: { ...auditRecords.project(project), flags: flags.map((f) => f.name) },
        after: null,
      });
      return removed;
    });
    await this.experimentData.deleteData(environmentIds, experimentIds);
  }

  async createEnvironment(view: ProjectView, input: EnvironmentInput, actor: Actor): Promise<Environment> {
    const { project } = view;
    return this.writer.write(
      async (write) => {
        await this.existing(write, project.key);
        const environments = await write.environments(project.id);
        const source = input.copyFrom === undefined ? undefined : environments.find((e) => e.key === input.copyFrom);
        if (input.copyFrom !== undefined && !source) {
          throw new ValidationError(
            'copy_from',
            `environment "${input.copyFrom}" not found in project "${project.key}"`,
          );
        }
        const position = Math.min(input.position ?? environments.length, environments.length);
        const created = await write.createEnvironment({
          projectId: project.id,
          key: input.key,
          name: input.name,
          position,
        });
        await this.renumber(write, [...environments.slice(0, position), created, ...environments.slice(position)]);
        const copied = source
          ? new Map((await write.configsOfEnvironment(source.id)).map((c) => [c.flagId, c]))
          : undefined;
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
      },
      { conflict: `An environment with the key "${input.key}" already exists in project "${project.key}"` },
    );
  }

  /** Renames (key or name) and moves the environment in the project's order. */
  async updateEnvironment(
    view: ProjectView,
    key: string,
    changes: { key?: string; name?: string; position?: number },
    actor: Actor,
  ): Promise<Environment> {
    const { project } = view;
    return this.writer.write(
      async (write) => {
        const environments = await write.environments(project.id);
        const before = environments.find((e) => e.key === key);
        if (!before) throw environmentNotFound(key, project.key);
        if (
          changes.key !== undefined &&
          changes.key !== key &&
          project.key === DEFAULT_PROJECT &&
          key === DEFAULT_ENVIRONMENT
        ) {
          throw new ConflictError(
            `"${DEFAULT_PROJECT}/${DEFAULT_ENVIRONMENT}" is what requests without a project address; it keeps its key`,
          );
        }
        let after = await write.updateEnvironment(before.id, { key: changes.key, name: changes.name });
        if (changes.position !== undefined) {
          const others = environments.filter((e) => e.id !== before.id);
          const position = Math.min(changes.position, others.length);
          await this.renumber(write, [...others.slice(0, position), after, ...others.slice(position)]);
          after = { ...after, position };
        }
        await write.audit({
          actor,
          action: 'environment.updated',
          targetType: 'environment',
          target: after.key,
          project: project.key,
          environment: after.key,
          before: auditRecords.environment(before),
          after: auditRecords.environment(after),
        });
        return after;
      },
      { conflict: `An environment with the key "${changes.key}" already exists in project "${project.key}"` },
    );
  }

  /** Every flag's settings there go with it; refused while API keys evaluate in it. */
  async deleteEnvironment(view: ProjectView, key: string, confirm: string | undefined, actor: Actor): Promise<void> {
    const { project } = view;
    if (project.key === DEFAULT_PROJECT && key === DEFAULT_ENVIRONMENT) {
      throw new ConflictError(
        `"${DEFAULT_PROJECT}/${DEFAULT_ENVIRONMENT}" is what requests without a project address; it stays`,
      );
    }
    const { environmentIds, experimentIds } = await this.writer.write(async (write) => {
      const environments = await write.environments(project.id);
      const environment = environments.find((e) => e.key === key);
      if (!environment) throw environmentNotFound(key, project.key);
      const flags = await write.configsOfEnvironment(environment.id);
      if (flags.length > 0 && confirm !== key) {
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
      const removed = await this.removeEnvironments(write, [environment]);
      await this.renumber(
        write,
        environments.filter((e) => e.id !== environment.id),
      );
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
      return removed;
    });
    await this.experimentData.deleteData(environmentIds, experimentIds);
  }

  private async existing(write: ConfigWrite, key: string): Promise<Project> {
    const project = await write.project(key);
    if (!project) throw projectNotFound(key);
    return project;
  }

  /** Positions 0, 1, 2… in this order, writing only those that move. */
  private async renumber(write: ConfigWrite, environments: Environment[]): Promise<void> {
    for (const [position, environment] of environments.entries()) {
      if (environment.position !== position) await write.updateEnvironment(environment.id, { position });
    }
  }

  /** The environments' settings, schedules and experiments; their exposures and events are deleted after the commit. */
  private async removeEnvironments(write: ConfigWrite, environments: Environment[]) {
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
    return { environmentIds: environments.map((e) => e.id), experimentIds };
  }
}
