import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../core/api-keys.js';
import {
  EVERYTHING,
  type Grant,
  grantOf,
  holdsAnywhere,
  type Principal,
  type RoutePermission,
} from '../../core/permissions.js';
import { ForbiddenError, UnauthorizedError } from '../../errors.js';
import { type ApiKeyRing, hashSecret } from '../../read-model/api-key-ring.js';
import type { Clock } from '../../support/clock.js';

const ADMIN_ENV_KEY_NAME = 'ADMIN_API_KEY';
/** Who stream tokens made while the service is open are for. */
const OPEN = 'open';

const GLOBAL_ADMIN = { grants: EVERYTHING, projectId: null, environmentId: null } as const;

/** Where no key exists yet, everyone may do everything, as in the quick start. */
function anonymous(ip: string): Principal {
  return {
    ...GLOBAL_ADMIN,
    keyId: null,
    name: 'anonymous',
    accountId: null,
    signedInBy: 'open',
    rateLimitKey: `ip:${ip}`,
    described: 'Anyone',
  };
}

/**
 * What a key may do: an admin key what a project's admin (or, global, an owner) may; a server key
 * evaluate and download its environment's configuration there; an evaluate key evaluate there.
 */
function keyGrants(key: ApiKey): readonly Grant[] {
  if (key.scope === 'admin') return key.projectId === null ? EVERYTHING : [grantOf('admin', key.projectId)];
  const environments = key.environmentId === null ? null : [key.environmentId];
  const permissions = key.scope === 'server' ? ['flag.evaluate', 'config.read'] : ['flag.evaluate'];
  return [{ projectId: key.projectId, environmentIds: environments, permissions: new Set(permissions as never[]) }];
}

/** A refusal naming the permission the caller lacks. */
export const lacks = (principal: Principal, permission: string, where = ''): ForbiddenError =>
  new ForbiddenError(`${principal.described} lacks the permission "${permission}"${where}`);

// Distinct valid secrets remembered at once; far more than the keys any deployment has.
const VERIFIED_CACHE_LIMIT = 10_000;

const HOUR_MS = 3_600_000;
/** How long a stream token lasts after the bulk evaluation that handed it out (rounded up to the hour). */
const STREAM_TOKEN_LIFETIME_MS = 24 * HOUR_MS;

/** What a stream token grants: an environment's stream, counted against `holder`, until `expiresAt`. */
export interface StreamGrant {
  environmentId: number;
  holder: string;
  expiresAt: number;
}

export class AuthService {
  private readonly adminKeyHash: Buffer | undefined;
  /**
   * Secrets already verified, so a client's every request does not hash its key again (hashing was
   * most of authentication's cost). Only valid secrets enter, and it is emptied whenever any key
   * changes, so a revoked key is refused on its next request.
   */
  private readonly verified = new Map<string, Principal>();
  private verifiedGeneration = -1;
  /** An owner can sign in: set at start, at setup, or when the plugin's check finds another instance's. */
  private ownerSignedUp = false;

  constructor(
    private readonly keyRing: ApiKeyRing,
    adminApiKey: string | undefined,
    private readonly clock: Clock,
  ) {
    this.adminKeyHash = adminApiKey === undefined ? undefined : Buffer.from(hashSecret(adminApiKey), 'hex');
  }

  /** Open access lasts only while neither ADMIN_API_KEY, nor any API key, nor an owner who can sign in has existed. */
  get enabled(): boolean {
    return this.adminKeyHash !== undefined || this.keyRing.anyKeyEverCreated || this.ownerSignedUp;
  }

  /** An owner can sign in from now on (accounts are never deleted, so this holds for good). */
  markOwnerSignedUp(): void {
    this.ownerSignedUp = true;
  }

  get hasAdminEnvKey(): boolean {
    return this.adminKeyHash !== undefined;
  }

  /** Whether authenticate() knows this caller without checking a key: open service, or a key seen before. */
  recognizes(secret: string | undefined): boolean {
    if (!this.enabled) return true;
    return secret !== undefined && this.verifiedGeneration === this.keyRing.generation && this.verified.has(secret);
  }

  /**
   * Throws 401 for a missing or unknown key, and 403 for a key that holds the route's permission
   * nowhere (where it holds it is checked once the request's project and environment are known).
   */
  authenticate(secret: string | undefined, required: Exclude<RoutePermission, 'public'>, ip: string): Principal {
    if (!this.enabled) return anonymous(ip);
    if (!secret)
      throw new UnauthorizedError('An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = this.principalFor(secret);
    if (!principal) throw new UnauthorizedError('The API key is unknown or has been revoked');
    if (required !== 'signed_in' && !holdsAnywhere(principal.grants, required)) throw lacks(principal, required);
    return principal;
  }

  /**
   * A token for an event-stream URL (browsers' EventSource cannot send headers): the environment, who
   * it is for and until when, signed with the SHA-256 of that key's secret, which every instance holds.
   * It lasts STREAM_TOKEN_LIFETIME_MS from the bulk evaluation that hands it out, rounded up to the hour
   * so the bulk evaluation's answer and ETag change at most once an hour; revoking the key ends it
   * (and closes its streams) at once.
   */
  streamToken(principal: Principal, environmentId: number): string {
    const holder = principal.keyId ?? (principal.name === ADMIN_ENV_KEY_NAME ? ADMIN_ENV_KEY_NAME : OPEN);
    const expiresAt = Math.ceil((this.clock.now() + STREAM_TOKEN_LIFETIME_MS) / HOUR_MS) * HOUR_MS;
    const claims = `${environmentId}.${holder}.${expiresAt / 1000}`;
    return `${claims}.${this.sign(holder, claims)}`;
  }

  /** What a stream token grants, or undefined when it is forged, expired, or its key revoked. */
  verifyStreamToken(token: string): StreamGrant | undefined {
    const match = /^(\d+)\.([\w-]+)\.(\d+)\.([\w-]+)$/.exec(token);
    if (!match) return undefined;
    const [, environmentId, holder, expiresSeconds, mac] = match;
    const expiresAt = Number(expiresSeconds) * 1000;
    if (expiresAt <= this.clock.now()) return undefined;
    if (holder === OPEN && this.enabled) return undefined;
    const expected = this.sign(holder, `${environmentId}.${holder}.${expiresSeconds}`);
    if (expected === undefined || expected.length !== mac.length) return undefined;
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(mac))) return undefined;
    return { environmentId: Number(environmentId), holder: `key:${holder}`, expiresAt };
  }

  /**
   * Whether whoever holds streams as `holder` (a principal's rateLimitKey, or a stream grant's holder)
   * may still hold them: their key is not revoked, and the service is still open for those opened
   * while it was. Asked of every open stream whenever the keys change.
   */
  mayKeepStreams(holder: string): boolean {
    if (holder.startsWith('ip:') || holder === `key:${OPEN}`) return !this.enabled;
    if (holder === `key:${ADMIN_ENV_KEY_NAME}`) return this.adminKeyHash !== undefined;
    // Sessions' streams end with their sessions (the streams area checks them).
    if (!holder.startsWith('key:')) return true;
    return this.keyRing.active(holder.slice('key:'.length)) !== undefined;
  }

  private sign(holder: string, claims: string): string | undefined {
    const secret =
      holder === OPEN
        ? OPEN
        : holder === ADMIN_ENV_KEY_NAME
          ? this.adminKeyHash?.toString('hex')
          : this.keyRing.active(holder)?.secretHash;
    return secret === undefined ? undefined : createHmac('sha256', secret).update(claims).digest('base64url');
  }

  private principalFor(secret: string): Principal | undefined {
    if (this.verifiedGeneration !== this.keyRing.generation) {
      this.verified.clear();
      this.verifiedGeneration = this.keyRing.generation;
    }
    const known = this.verified.get(secret);
    if (known) return known;

    const principal = this.verify(secret);
    if (principal && this.verified.size < VERIFIED_CACHE_LIMIT) this.verified.set(secret, principal);
    return principal;
  }

  private verify(secret: string): Principal | undefined {
    const secretHash = hashSecret(secret);
    const key = this.keyRing.findActiveByHash(secretHash);
    if (key) {
      return {
        keyId: key.id,
        name: key.name,
        accountId: null,
        signedInBy: 'api_key',
        grants: keyGrants(key),
        projectId: key.projectId,
        environmentId: key.environmentId,
        rateLimitKey: `key:${key.id}`,
        described: `This API key (${key.scope})`,
      };
    }
    if (this.adminKeyHash && timingSafeEqual(Buffer.from(secretHash, 'hex'), this.adminKeyHash)) {
      return {
        ...GLOBAL_ADMIN,
        keyId: null,
        name: ADMIN_ENV_KEY_NAME,
        accountId: null,
        signedInBy: 'admin_api_key',
        rateLimitKey: 'key:ADMIN_API_KEY',
        described: ADMIN_ENV_KEY_NAME,
      };
    }
    return undefined;
  }
}
