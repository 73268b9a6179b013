import { NotFoundError } from '../../errors.js';
import type { Principal } from '../api-keys/auth-service.js';
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

  /** The projects the caller may see: its own only, for a project's key. */
  list(caller: Principal): ProjectView[] {
    return this.snapshot.allProjects().filter((p) => caller.projectId === null || p.project.id === caller.projectId);
  }
}
