import { NotFoundError } from '../../errors.js';
import { type Principal, sees } from '../../core/permissions.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { ProjectView } from '../../read-model/environment-view.js';

/** What the project service reads of the read model. */
export type ProjectViews = Pick<ConfigSnapshot, 'allProjects' | 'project'>;

/** Projects and their environments, as the snapshot holds them; they change through commands (project-commands.ts). */
export class ProjectService {
  constructor(private readonly snapshot: ProjectViews) {}

  /** A project as this process holds it now (after a command this request ran, too). */
  get(key: string): ProjectView {
    const project = this.snapshot.project(key);
    if (!project) throw new NotFoundError(`Project "${key}" not found`);
    return project;
  }

  /** The projects the caller may read: its own only, for a project's key; a person's where they have a role. */
  list(caller: Principal): ProjectView[] {
    return this.snapshot
      .allProjects()
      .filter(
        (p) =>
          sees(caller.grants, 'project.read', p.project.id) &&
          (caller.projectId === null || p.project.id === caller.projectId),
      );
  }
}
