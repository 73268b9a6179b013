import { randomUUID } from 'node:crypto';
import { accountGrants, type PersonalToken, tokenLive } from '../../core/accounts.js';
import type { Principal } from '../../core/permissions.js';
import type { ConfigStore } from '../../db/repositories.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { Clock } from '../../support/clock.js';
import type { AccountStore } from './account-store.js';
import { newSecret, personPrincipal, secretHash } from './session-service.js';

/** Personal tokens start so; secret scanners find leaked ones by it, and the guard tells them from API keys. */
export const PERSONAL_TOKEN_PREFIX = 'ffp_';
// The prefix and 8 random characters: shown in listings to tell tokens apart.
const DISPLAYED_PREFIX_LENGTH = PERSONAL_TOKEN_PREFIX.length + 8;
const TOUCH_EVERY_MS = 60_000;

const tokenRecord = (token: PersonalToken) => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  expires_at: token.expiresAt?.toISOString() ?? null,
  revoked_at: token.revokedAt?.toISOString() ?? null,
});

/**
 * Personal access tokens: a person's own permissions for their scripts and CI, whatever those are
 * when the token is used; the account's deactivation ends them at once. Made only from a signed-in
 * session, so a leaked token cannot mint others.
 */
export class TokenService {
  constructor(
    private readonly store: AccountStore,
    private readonly configStore: ConfigStore,
    private readonly clock: Clock,
  ) {}

  async create(caller: Principal, name: string, expiresAt: Date | null) {
    const accountId = this.person(caller, 'session');
    const secret = `${PERSONAL_TOKEN_PREFIX}${newSecret()}`;
    const { result } = await this.configStore.write(async (write) => {
      const token = await write.accounts.createToken({
        id: randomUUID(),
        accountId,
        name,
        prefix: secret.slice(0, DISPLAYED_PREFIX_LENGTH),
        tokenHash: secretHash(secret),
        createdAt: write.at,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      });
      await write.audit({
        actor: caller,
        action: 'personal_token.created',
        targetType: 'personal_token',
        target: token.id,
        project: null,
        environment: null,
        before: null,
        after: tokenRecord(token),
      });
      return token;
    });
    return { token: result, secret };
  }

  list(caller: Principal): Promise<PersonalToken[]> {
    return this.store.tokensOf(this.person(caller));
  }

  async revoke(caller: Principal, id: string): Promise<PersonalToken> {
    const accountId = this.person(caller);
    const { result } = await this.configStore.write(async (write) => {
      const before = await write.accounts.token(id);
      if (!before || before.accountId !== accountId || before.revokedAt !== null) {
        throw new NotFoundError(`No active personal token with id "${id}"`);
      }
      const after = await write.accounts.revokeToken(id);
      await write.audit({
        actor: caller,
        action: 'personal_token.revoked',
        targetType: 'personal_token',
        target: id,
        project: null,
        environment: null,
        before: tokenRecord(before),
        after: tokenRecord(after),
      });
      return after;
    });
    return result;
  }

  /** The person a token signs in; undefined when it is unknown, revoked, expired or its account deactivated. */
  async principalOf(secret: string): Promise<Principal | undefined> {
    const found = await this.store.token(secretHash(secret));
    const now = this.clock.now();
    if (!found || !tokenLive(found.token, now) || found.account.status !== 'active') return undefined;
    const { token, account } = found;
    if (token.lastUsedAt === null || now - token.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
      await this.store.touchToken(token.id, new Date(now));
    }
    const grants = accountGrants(account, await this.store.memberships(account.id));
    return { ...personPrincipal(account, grants, 'token'), rateLimitKey: `token:${token.id}` };
  }

  /** The caller's account, when the caller is a person (signed in as `by`, when given). */
  private person(caller: Principal, by?: Principal['signedInBy']): string {
    if (caller.accountId === null || (caller.signedInBy !== 'session' && caller.signedInBy !== 'token')) {
      throw new ForbiddenError('Personal tokens belong to people signed in with a password; API keys have none');
    }
    if (by !== undefined && caller.signedInBy !== by) {
      throw new ForbiddenError('Personal tokens are made from a signed-in session, never with another token');
    }
    return caller.accountId;
  }
}
