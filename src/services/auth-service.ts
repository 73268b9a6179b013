import { timingSafeEqual } from 'node:crypto';
import type { Actor, ApiKey, ApiKeyScope } from '../db/flag-repository.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { type ApiKeyRing, hashSecret } from './api-key-ring.js';

/** What a route requires: "public" routes (health, docs, metrics) skip authentication. */
export type Access = 'public' | ApiKeyScope;

/** Who is calling. `rateLimitKey` identifies the caller to the rate limiter. */
export interface Principal extends Actor {
  scope: ApiKeyScope;
  rateLimitKey: string;
}

const ADMIN_ENV_KEY_NAME = 'ADMIN_API_KEY';

/** Where no key exists yet, everyone may do everything, as in the quick start. */
function anonymous(ip: string): Principal {
  return { keyId: null, name: 'anonymous', scope: 'admin', rateLimitKey: `ip:${ip}` };
}

export class AuthService {
  private readonly adminKeyHash: Buffer | undefined;
  // One principal per key, made once: this runs on every evaluation.
  private readonly principals = new WeakMap<ApiKey, Principal>();

  constructor(
    private readonly keyRing: ApiKeyRing,
    adminApiKey: string | undefined,
  ) {
    this.adminKeyHash = adminApiKey === undefined ? undefined : Buffer.from(hashSecret(adminApiKey), 'hex');
  }

  /** Open access lasts only while neither ADMIN_API_KEY nor any API key has ever existed. */
  get enabled(): boolean {
    return this.adminKeyHash !== undefined || this.keyRing.anyKeyEverCreated;
  }

  get hasAdminEnvKey(): boolean {
    return this.adminKeyHash !== undefined;
  }

  /** Throws 401 for a missing or unknown key and 403 for a key without the scope the route needs. */
  authenticate(secret: string | undefined, required: ApiKeyScope, ip: string): Principal {
    if (!this.enabled) return anonymous(ip);
    if (!secret) throw new UnauthorizedError('An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = this.principalFor(secret);
    if (!principal) throw new UnauthorizedError('The API key is unknown or has been revoked');
    // An admin key may also evaluate; an evaluate key may do nothing else.
    if (required === 'admin' && principal.scope !== 'admin') {
      throw new ForbiddenError('This API key may only evaluate flags; managing them needs an admin key');
    }
    return principal;
  }

  private principalFor(secret: string): Principal | undefined {
    const key = this.keyRing.findActive(secret);
    if (key) {
      let principal = this.principals.get(key);
      if (!principal) this.principals.set(key, (principal = { keyId: key.id, name: key.name, scope: key.scope, rateLimitKey: `key:${key.id}` }));
      return principal;
    }
    if (this.adminKeyHash && timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), this.adminKeyHash)) {
      return { keyId: null, name: ADMIN_ENV_KEY_NAME, scope: 'admin', rateLimitKey: 'key:ADMIN_API_KEY' };
    }
    return undefined;
  }
}
