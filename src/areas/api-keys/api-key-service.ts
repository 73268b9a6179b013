import { randomUUID } from 'node:crypto';
import type { CreateApiKey, RevokeApiKey } from '../../core/commands.js';
import type { ApiKey, ApiKeyScope } from '../../core/api-keys.js';
import type { ApiKeyReader } from './api-key-store.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { holds, type Principal, sees } from '../../core/permissions.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import { DEFAULT_PROJECT } from '../projects/addressing.js';

/** What the API key service reads of the read model: the projects keys are bound to. */
export type ApiKeyViews = Pick<ConfigSnapshot, 'project' | 'projectById'>;

/** Where a new key may be used: an evaluate key in exactly one environment, an admin key in one project or all. */
export interface KeyBinding {
  project?: string;
  environment?: string;
}

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyReader,
    private readonly snapshot: ApiKeyViews,
  ) {}

  /** The keys the caller may manage: those of the projects where it holds key.manage (global keys: everywhere). */
  async list(caller: Principal): Promise<ApiKey[]> {
    return (await this.keys.list()).filter(
      (key) =>
        sees(caller.grants, 'key.manage', key.projectId) &&
        (caller.projectId === null || key.projectId === caller.projectId),
    );
  }

  /** The project and environment keys of a key's binding, for display; null where it has none. */
  bindingOf(key: ApiKey): { project: string | null; environment: string | null } {
    const project = key.projectId === null ? undefined : this.snapshot.projectById(key.projectId);
    const environment = project?.environments.find((e) => e.id === key.environmentId);
    return { project: project?.project.key ?? null, environment: environment?.key ?? null };
  }

  /**
   * An evaluate or server key without a binding works where requests without one do: the caller's
   * project (or "default"), in its production environment, as keys did before projects existed. The
   * secret is made when the command runs (api-key-commands.ts), never kept in a command.
   */
  createCommand(name: string, scope: ApiKeyScope, binding: KeyBinding, caller: Principal): CreateApiKey {
    if (scope === 'admin' && binding.environment !== undefined) {
      throw new ValidationError(
        'environment',
        'an admin key is global or bound to a project, never to one environment',
      );
    }
    const callerProject = caller.projectId === null ? undefined : this.snapshot.projectById(caller.projectId);
    const projectKey =
      binding.project ?? callerProject?.project.key ?? (scope === 'admin' ? undefined : DEFAULT_PROJECT);
    if (projectKey !== undefined) {
      const project = this.snapshot.project(projectKey);
      if (!project || (callerProject !== undefined && callerProject !== project)) {
        throw new ValidationError('project', `project "${projectKey}" not found`);
      }
    }
    return {
      type: 'api_key.create',
      project: projectKey ?? null,
      apiKey: randomUUID(),
      payload: { name, scope, environment: binding.environment ?? null },
      preparedAgainst: [],
    };
  }

  /**
   * A global admin revokes anywhere (the command names no project); anyone else within the key's
   * project, and a key they may not manage is not found.
   */
  async revokeCommand(id: string, caller: Principal): Promise<RevokeApiKey> {
    let project: string | null = null;
    if (!holds(caller.grants, 'key.manage', { projectId: null })) {
      const key = (await this.list(caller)).find((k) => k.id === id && k.revokedAt === null);
      if (!key) throw new NotFoundError(`No active API key with id "${id}"`);
      project = this.bindingOf(key).project;
    }
    return {
      type: 'api_key.revoke',
      project,
      apiKey: id,
      payload: {},
      preparedAgainst: [],
    };
  }
}
