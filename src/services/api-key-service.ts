import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiKey, ApiKeyScope } from '../core/model.js';
import type { ApiKeyReader } from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { auditRecords } from './audit-records.js';
import { hashSecret } from './api-key-ring.js';
import type { Principal } from './auth-service.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { DEFAULT_ENVIRONMENT, DEFAULT_PROJECT, defaultEnvironmentOf } from './scope.js';

// A fixed, distinctive prefix lets secret scanners (GitHub, gitleaks, trufflehog) find leaked keys.
const API_KEY_PREFIX = 'ffs_';
// The part of a secret shown in listings: the prefix and 8 random characters, enough to tell keys apart.
const DISPLAYED_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export interface CreatedApiKey {
  key: ApiKey;
  /** Shown once; only its hash is stored. */
  secret: string;
}

/** Where a new key may be used: an evaluate key in exactly one environment, an admin key in one project or all. */
export interface KeyBinding {
  project?: string;
  environment?: string;
}

const keyNotFound = (id: string) => new NotFoundError(`No active API key with id "${id}"`);

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyReader,
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly hasAdminEnvKey: boolean,
  ) {}

  /** The keys the caller may see: a project's admin key sees its project's keys only. */
  async list(caller: Principal): Promise<ApiKey[]> {
    return (await this.keys.list()).filter((key) => caller.projectId === null || key.projectId === caller.projectId);
  }

  /** The project and environment keys of a key's binding, for display; null where it has none. */
  bindingOf(key: ApiKey): { project: string | null; environment: string | null } {
    const project = key.projectId === null ? undefined : this.snapshot.projectById(key.projectId);
    const environment = project?.environments.find((e) => e.id === key.environmentId);
    return { project: project?.project.key ?? null, environment: environment?.key ?? null };
  }

  async create(name: string, scope: ApiKeyScope, binding: KeyBinding, caller: Principal): Promise<CreatedApiKey> {
    const { projectId, environmentId } = this.resolveBinding(scope, binding, caller);
    // 32 random bytes: 256 bits, base64url so it survives headers, shells and URLs unescaped.
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const key = await this.writer.write(async (write) => {
      const created = await write.createApiKey({
        id: randomUUID(),
        name,
        scope,
        projectId,
        environmentId,
        prefix: secret.slice(0, DISPLAYED_PREFIX_LENGTH),
        secretHash: hashSecret(secret),
      });
      await write.audit({
        actor: caller,
        action: 'api_key.created',
        targetType: 'api_key',
        target: created.id,
        ...this.bindingOf(created),
        before: null,
        after: auditRecords.apiKey(created),
      });
      return created;
    });
    return { key, secret };
  }

  async revoke(id: string, caller: Principal): Promise<ApiKey> {
    return this.writer.write(async (write) => {
      const before = await write.apiKey(id);
      if (!before || before.revokedAt || (caller.projectId !== null && before.projectId !== caller.projectId))
        throw keyNotFound(id);
      // Without ADMIN_API_KEY, revoking the last global admin key would lock every admin out for good.
      // Checked in the revocation's transaction, which takes the revision row first: two revocations of
      // the last two admin keys, on two instances at once, run one after the other.
      if (!this.hasAdminEnvKey && before.scope === 'admin' && before.projectId === null) {
        const others = (await write.activeApiKeys()).filter(
          (other) => other.scope === 'admin' && other.projectId === null && other.id !== id,
        );
        if (others.length === 0) {
          throw new ConflictError(
            'This is the last active admin key; create another admin key (or set ADMIN_API_KEY) before revoking it',
          );
        }
      }
      const after = await write.revokeApiKey(id);
      await write.audit({
        actor: caller,
        action: 'api_key.revoked',
        targetType: 'api_key',
        target: id,
        ...this.bindingOf(after),
        before: auditRecords.apiKey(before),
        after: auditRecords.apiKey(after),
      });
      return after;
    });
  }

  /**
   * An evaluate or server key without a binding works where requests without one do: the caller's
   * project (or "default"), in its production environment, as keys did before projects existed.
   */
  private resolveBinding(scope: ApiKeyScope, binding: KeyBinding, caller: Principal) {
    if (scope === 'admin' && binding.environment !== undefined) {
      throw new ValidationError(
        'environment',
        'an admin key is global or bound to a project, never to one environment',
      );
    }
    const callerProject = caller.projectId === null ? undefined : this.snapshot.projectById(caller.projectId);
    const projectKey =
      binding.project ?? callerProject?.project.key ?? (scope === 'admin' ? undefined : DEFAULT_PROJECT);
    if (projectKey === undefined) return { projectId: null, environmentId: null };
    const project = this.snapshot.project(projectKey);
    if (!project || (callerProject !== undefined && callerProject !== project)) {
      throw new ValidationError('project', `project "${projectKey}" not found`);
    }
    if (scope === 'admin') return { projectId: project.project.id, environmentId: null };
    const environment =
      binding.environment === undefined ? defaultEnvironmentOf(project) : project.environment(binding.environment);
    if (!environment) {
      throw new ValidationError(
        'environment',
        `environment "${binding.environment ?? DEFAULT_ENVIRONMENT}" not found in project "${projectKey}"`,
      );
    }
    return { projectId: project.project.id, environmentId: environment.id };
  }
}
