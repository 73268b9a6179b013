import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor, ApiKey, ApiKeyScope } from '../core/model.js';
import type { ApiKeyRepository } from '../db/repositories.js';
import { ConflictError } from '../errors.js';
import { type ApiKeyRing, hashSecret } from './api-key-ring.js';

// A fixed, distinctive prefix lets secret scanners (GitHub, gitleaks, trufflehog) find leaked keys.
const API_KEY_PREFIX = 'ffs_';
// The part of a secret shown in listings: the prefix and 8 random characters, enough to tell keys apart.
const DISPLAYED_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export interface CreatedApiKey {
  key: ApiKey;
  /** Shown once; only its hash is stored. */
  secret: string;
}

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly keyRing: ApiKeyRing,
    private readonly hasAdminEnvKey: boolean,
  ) {}

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  async create(name: string, scope: ApiKeyScope, actor: Actor): Promise<CreatedApiKey> {
    // 32 random bytes: 256 bits, base64url so it survives headers, shells and URLs unescaped.
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const key = await this.keys.create(
      {
        id: randomUUID(),
        name,
        scope,
        prefix: secret.slice(0, DISPLAYED_PREFIX_LENGTH),
        secretHash: hashSecret(secret),
      },
      actor,
    );
    this.keyRing.put(key);
    return { key, secret };
  }

  async revoke(id: string, actor: Actor): Promise<ApiKey> {
    // Without ADMIN_API_KEY, revoking the last admin key would lock every admin out for good. Checked
    // in the revocation's transaction: two revocations of the last two admin keys, on two instances
    // at once, must not both pass a count each read before the other committed.
    const keepsAnAdmin = (key: ApiKey, active: ApiKey[]) => {
      if (this.hasAdminEnvKey || key.scope !== 'admin') return;
      if (!active.some((other) => other.scope === 'admin' && other.id !== key.id)) {
        throw new ConflictError(
          'This is the last active admin key; create another admin key (or set ADMIN_API_KEY) before revoking it',
        );
      }
    };
    const key = await this.keys.revoke(id, actor, keepsAnAdmin);
    this.keyRing.put(key);
    return key;
  }
}
