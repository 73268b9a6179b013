import { hash, randomBytes, randomUUID } from 'node:crypto';
import {
  type Account,
  accountGrants,
  emailKeyOf,
  type Session,
  type SessionTimeouts,
  sessionLive,
  signInDelayMs,
} from '../../core/accounts.js';
import type { Principal } from '../../core/permissions.js';
import type { ConfigStore } from '../../db/repositories.js';
import { ConflictError, TooManyRequestsError, UnauthorizedError } from '../../errors.js';
import type { Clock } from '../../support/clock.js';
import { auditRecords } from '../audit/audit-records.js';
import type { AccountStore } from './account-store.js';
import { hashPassword, passwordMatches } from './passwords.js';

/** Session cookies, one-time links: 32 random bytes, base64url. Stored only as their SHA-256. */
export const newSecret = (): string => randomBytes(32).toString('base64url');
export const secretHash = (secret: string): string => hash('sha256', secret, 'hex');

const MINUTE_MS = 60_000;
/** Failed sign-ins older than this are forgotten: the delay starts over. */
const FAILURE_MEMORY_MS = 15 * MINUTE_MS;
/** A session's last-seen time moves at most this often, so browsing does not write on every request. */
const TOUCH_EVERY_MS = MINUTE_MS;
/** The setup link works this long; a start after it prints a new one. */
export const SETUP_TOKEN_LIFETIME_MS = 24 * 60 * MINUTE_MS;

export interface SignedIn {
  account: Account;
  session: Session;
  /** The cookie's value: given to the browser, never stored. */
  token: string;
}

export interface ClientInfo {
  address: string;
  userAgent: string | undefined;
}

/** The principal of a signed-in person: what their roles give, recorded under their name. */
export function personPrincipal(account: Account, grants: Principal['grants'], signedInBy: 'session' | 'token') {
  return {
    keyId: null,
    name: account.name,
    accountId: account.id,
    signedInBy,
    grants,
    projectId: null,
    environmentId: null,
    rateLimitKey: `account:${account.id}`,
    described: `Account "${account.email ?? account.name}"`,
  } satisfies Principal;
}

/**
 * Signing in and out, and what a session cookie is worth on each request. Sessions live in the
 * database, so signing out, an ended session or a deactivated account holds on every instance at
 * the next request.
 */
export class SessionService {
  constructor(
    private readonly store: AccountStore,
    private readonly configStore: ConfigStore,
    private readonly clock: Clock,
    private readonly timeouts: SessionTimeouts,
  ) {}

  /**
   * The same answer, after the same work (an argon2 verification), for an unknown email, a wrong
   * password, an account without a password yet and a deactivated one. Failures per email (known or
   * not) make the next attempt wait longer, up to a minute: a 429 with Retry-After, never a lock.
   */
  async signIn(email: string, password: string, client: ClientInfo): Promise<SignedIn> {
    const emailKey = emailKeyOf(email);
    const throttleKey = secretHash(emailKey);
    const now = this.clock.now();
    const since = new Date(now - FAILURE_MEMORY_MS);
    const { failures, lastFailureAt } = await this.store.failures(throttleKey, since);
    const waitMs = lastFailureAt.getTime() + signInDelayMs(failures) - now;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new TooManyRequestsError(`Too many failed sign-ins for this email; retry in ${seconds} s`, seconds);
    }
    const credentials = await this.store.credentials(emailKey);
    const matches = await passwordMatches(credentials?.passwordHash ?? null, password);
    const account = credentials?.account;
    if (!matches || !account || account.status !== 'active' || account.kind !== 'person') {
      await this.store.recordFailure(throttleKey, new Date(this.clock.now()), since);
      throw new UnauthorizedError('The email or the password is wrong');
    }
    await this.store.clearFailures(throttleKey);
    return this.startSession(account, client);
  }

  async startSession(account: Account, client: ClientInfo): Promise<SignedIn> {
    const token = newSecret();
    const now = new Date(this.clock.now());
    const session: Session = {
      id: randomUUID(),
      accountId: account.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.timeouts.absoluteMs),
      address: client.address,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
    };
    await this.store.createSession({ ...session, tokenHash: secretHash(token) });
    await this.store.markSeen(account.id, now);
    return { account: { ...account, lastSeenAt: now }, session, token };
  }

  /** Ends the session of this cookie, if it is one. */
  async signOut(token: string): Promise<void> {
    const found = await this.store.session(secretHash(token));
    if (found) await this.store.endSession(found.session.id);
  }

  /** The person a session cookie signs in, with the session; undefined when it is unknown, ended or timed out. */
  async principalOf(token: string): Promise<{ principal: Principal; session: Session } | undefined> {
    const found = await this.store.session(secretHash(token));
    if (!found) return undefined;
    const { session, account } = found;
    const now = this.clock.now();
    if (!sessionLive(session, now, this.timeouts) || account.status !== 'active') {
      await this.store.endSession(session.id);
      return undefined;
    }
    if (now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.store.touchSession(session.id, new Date(now));
      await this.store.markSeen(account.id, new Date(now));
    }
    const grants = accountGrants(account, await this.store.memberships(account.id));
    return { principal: personPrincipal(account, grants, 'session'), session };
  }

  /** Which of these sessions are still good (not ended, timed out, nor their account deactivated). */
  async stillLive(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const now = this.clock.now();
    const found = await this.store.sessionsById(ids);
    return new Set(
      found
        .filter(({ session, account }) => sessionLive(session, now, this.timeouts) && account.status === 'active')
        .map(({ session }) => session.id),
    );
  }

  /** The account's live sessions, newest first. */
  async sessionsOf(accountId: string): Promise<Session[]> {
    const now = this.clock.now();
    return (await this.store.sessionsOf(accountId)).filter((s) => sessionLive(s, now, this.timeouts));
  }

  /** Ends one session; `accountId` limits it to that account's (a person ending their own). */
  endSession(id: string, accountId?: string): Promise<boolean> {
    return this.store.endSession(id, accountId);
  }

  /** Whether an owner can sign in: open access ends then, and no setup link is offered. */
  ownerSignedUp(): Promise<boolean> {
    return this.store.anyOwnerSignedUp();
  }

  /**
   * While no owner can sign in: stores a setup token's hash unless another instance's is live, and
   * returns the token when this instance made it (to print), or undefined.
   */
  async offerSetupToken(): Promise<string | undefined> {
    if (await this.store.anyOwnerSignedUp()) return undefined;
    const token = newSecret();
    const now = this.clock.now();
    const stored = await this.store.offerSetupToken(
      secretHash(token),
      new Date(now),
      new Date(now + SETUP_TOKEN_LIFETIME_MS),
    );
    return stored ? token : undefined;
  }

  /** The first owner, with the setup token (once: the token is used up in the same transaction). */
  async setUp(
    input: { token: string; email: string; name: string; password: string },
    client: ClientInfo,
  ): Promise<SignedIn> {
    const passwordHash = await hashPassword(input.password);
    const account = await this.configStore.write(async (write) => {
      const used = await write.accounts.consumeToken(secretHash(input.token), 'setup');
      if (!used) throw new UnauthorizedError('The setup link is unknown, used or expired');
      if ((await write.accounts.activeOwners()).length > 0) throw new ConflictError('The service has an owner already');
      const owner = await write.accounts.createAccount({
        id: randomUUID(),
        kind: 'person',
        email: input.email.trim(),
        emailKey: emailKeyOf(input.email),
        name: input.name,
        owner: true,
        passwordHash,
      });
      await write.audit({
        actor: { keyId: null, name: owner.name, accountId: owner.id, signedInBy: 'one_time_link' },
        action: 'account.created',
        targetType: 'account',
        target: owner.id,
        project: null,
        environment: null,
        before: null,
        after: auditRecords.account(owner),
      });
      return owner;
    });
    return this.startSession(account.result, client);
  }
}
