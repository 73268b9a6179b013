import { randomBytes } from 'node:crypto';
import type { CreateApiKey, RevokeApiKey } from '../../core/commands.js';
import type { ApiKey } from '../../core/api-keys.js';
import type { ConfigWrite } from '../../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { hashSecret } from '../../read-model/api-key-ring.js';
import { auditRecords } from '../audit/audit-records.js';
import type { GlobalCommandContext } from '../commands/command-pipeline.js';
import { DEFAULT_ENVIRONMENT } from '../projects/addressing.js';

/** The writes API key commands make, and the reads they check them against. */
type ApiKeyWrites = Pick<
  ConfigWrite,
  'activeApiKeys' | 'apiKey' | 'audit' | 'createApiKey' | 'environments' | 'projects' | 'revokeApiKey'
>;

// A fixed, distinctive prefix lets secret scanners (GitHub, gitleaks, trufflehog) find leaked keys.
const API_KEY_PREFIX = 'ffs_';
// The part of a secret shown in listings: the prefix and 8 random characters, enough to tell keys apart.
const DISPLAYED_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export interface CreatedApiKey {
  key: ApiKey;
  /** Shown once; only its hash is stored. */
  secret: string;
}

const keyNotFound = (id: string) => new NotFoundError(`No active API key with id "${id}"`);

/** The project and environment keys of a key's binding, as committed, for the audit log. */
async function bindingOf(write: ApiKeyWrites, key: ApiKey) {
  if (key.projectId === null) return { project: null, environment: null };
  const project = (await write.projects()).find((p) => p.id === key.projectId);
  const environment = project && (await write.environments(project.id)).find((e) => e.id === key.environmentId);
  return { project: project?.key ?? null, environment: environment?.key ?? null };
}

/**
 * A key: an admin key global (no project) or bound to one project, an evaluate or server key bound to
 * one environment (its project's `production`, or else its last, where the command names none).
 */
async function createApiKey(
  { apiKey: id, payload: { name, scope, environment: environmentKey } }: CreateApiKey,
  { write, project, actor }: GlobalCommandContext<ApiKeyWrites>,
): Promise<CreatedApiKey> {
  let environmentId: number | null = null;
  if (scope === 'admin') {
    if (environmentKey !== null)
      throw new ValidationError(
        'environment',
        'an admin key is global or bound to a project, never to one environment',
      );
  } else {
    if (!project) throw new ValidationError('project', `a ${scope} key is bound to a project's environment`);
    const environments = await write.environments(project.id);
    const environment =
      environmentKey === null
        ? (environments.find((e) => e.key === DEFAULT_ENVIRONMENT) ?? environments.at(-1))
        : environments.find((e) => e.key === environmentKey);
    if (!environment) {
      throw new ValidationError(
        'environment',
        `environment "${environmentKey ?? DEFAULT_ENVIRONMENT}" not found in project "${project.key}"`,
      );
    }
    environmentId = environment.id;
  }
  // 32 random bytes: 256 bits, base64url so it survives headers, shells and URLs unescaped.
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const created = await write.createApiKey({
    id,
    name,
    scope,
    projectId: project?.id ?? null,
    environmentId,
    prefix: secret.slice(0, DISPLAYED_PREFIX_LENGTH),
    secretHash: hashSecret(secret),
  });
  await write.audit({
    actor,
    action: 'api_key.created',
    targetType: 'api_key',
    target: created.id,
    ...(await bindingOf(write, created)),
    before: null,
    after: auditRecords.apiKey(created),
  });
  return { key: created, secret };
}

/**
 * A project's admin revokes its project's keys only; another project's key is "not found", as a missing
 * one. `hasAdminEnvKey`: ADMIN_API_KEY is set, so no key is the last way in.
 */
const revokeApiKey = (hasAdminEnvKey: boolean) =>
  async function revokeApiKey(
    { apiKey: id }: RevokeApiKey,
    { write, project, actor }: GlobalCommandContext<ApiKeyWrites>,
  ) {
    const before = await write.apiKey(id);
    if (!before || before.revokedAt || (project !== null && before.projectId !== project.id)) throw keyNotFound(id);
    // Without ADMIN_API_KEY, revoking the last global admin key would lock every admin out for good.
    // Checked in the revocation's transaction, which takes the revision row first: two revocations of
    // the last two admin keys, on two instances at once, run one after the other.
    if (!hasAdminEnvKey && before.scope === 'admin' && before.projectId === null) {
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
      actor,
      action: 'api_key.revoked',
      targetType: 'api_key',
      target: id,
      ...(await bindingOf(write, after)),
      before: auditRecords.apiKey(before),
      after: auditRecords.apiKey(after),
    });
    return after;
  };

/** The API keys' handlers. */
export const apiKeyCommands = ({ hasAdminEnvKey }: { hasAdminEnvKey: boolean }) => ({
  'api_key.create': createApiKey,
  'api_key.revoke': revokeApiKey(hasAdminEnvKey),
});
