import type { Environment } from '../../core/projects.js';
import { holds, type Permission, type Principal, reachesProject } from '../../core/permissions.js';
import { NotFoundError } from '../../errors.js';
import { lacks } from '../api-keys/auth-service.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { EnvironmentView, ProjectView } from '../../read-model/environment-view.js';

/** What addressing reads of the read model. */
export type AddressViews = Pick<ConfigSnapshot, 'environment' | 'project' | 'projectById'>;

/** The project that requests without one in their path address when the key names none. */
export const DEFAULT_PROJECT = 'default';
/** The environment requests address in a project when neither their path nor their key names one. */
export const DEFAULT_ENVIRONMENT = 'production';

/** A project's `production` environment, or else its last one (environments run from development to production). */
export const defaultEnvironmentOf = (project: ProjectView): Environment | undefined =>
  project.environment(DEFAULT_ENVIRONMENT) ?? project.environments.at(-1);

/** A project or environment a request names, or its key is bound to, that is not there (or not the key's). */
export class AddressNotFoundError extends NotFoundError {}

const projectNotFound = (key: string) => new AddressNotFoundError(`Project "${key}" not found`);
const environmentNotFound = (key: string, project: string) =>
  new AddressNotFoundError(`Environment "${key}" not found in project "${project}"`);

/**
 * Which project and environment a request addresses: those its path names, else those its API key is
 * bound to, else `default` and its `production`. A key bound to a project never sees another: it gets
 * the same 404 as for a project that does not exist, so project names do not leak.
 */
export class AddressResolver {
  constructor(private readonly snapshot: AddressViews) {}

  /** The project, where the caller holds `permission` (in some part of it, at least) when one is named. */
  project(principal: Principal, key: string | undefined, permission?: Permission): ProjectView {
    if (key === undefined) {
      const bound =
        principal.projectId === null
          ? this.snapshot.project(DEFAULT_PROJECT)
          : this.snapshot.projectById(principal.projectId);
      if (!bound) throw projectNotFound(DEFAULT_PROJECT);
      return bound;
    }
    const project = this.snapshot.project(key);
    if (
      !project ||
      (principal.projectId !== null && principal.projectId !== project.project.id) ||
      !reachesProject(principal.grants, project.project.id)
    ) {
      throw projectNotFound(key);
    }
    if (permission !== undefined && !holds(principal.grants, permission, { projectId: project.project.id })) {
      throw lacks(principal, permission, ` in project "${project.project.key}"`);
    }
    return project;
  }

  /** The environment, where the caller holds `permission` when one is named. */
  environment(
    principal: Principal,
    projectKey: string | undefined,
    key: string | undefined,
    permission?: Permission,
  ): EnvironmentView {
    const view = this.environmentView(principal, projectKey, key);
    const place = { projectId: view.environment.projectId, environmentId: view.environment.id };
    if (permission !== undefined && !holds(principal.grants, permission, place)) {
      throw lacks(principal, permission, ` in "${view.environment.key}" of project "${view.project.key}"`);
    }
    return view;
  }

  private environmentView(principal: Principal, projectKey: string | undefined, key: string | undefined) {
    // An evaluate key's own environment: one map read on the evaluation path.
    if (projectKey === undefined && principal.environmentId !== null) {
      const view = this.snapshot.environment(principal.environmentId);
      if (!view) throw new AddressNotFoundError("The API key's environment no longer exists");
      return view;
    }
    const project = this.project(principal, projectKey);
    const environment =
      key !== undefined
        ? project.environment(key)
        : principal.environmentId !== null
          ? project.environments.find((e) => e.id === principal.environmentId)
          : defaultEnvironmentOf(project);
    const view = environment && this.snapshot.environment(environment.id);
    if (!view || (principal.environmentId !== null && principal.environmentId !== view.environment.id)) {
      throw environmentNotFound(key ?? DEFAULT_ENVIRONMENT, project.project.key);
    }
    return view;
  }
}
