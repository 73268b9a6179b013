import { randomUUID } from 'node:crypto';
import { type Account, emailKeyOf, type Membership, type OneTimePurpose } from '../../core/accounts.js';
import type { NewAuditEntry } from '../../db/repositories.js';
import { holds, holdsAnywhere, type Principal, type ProjectRole } from '../../core/permissions.js';
import type { ConfigStore, ConfigWrite } from '../../db/repositories.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../errors.js';
import type { ProjectView } from '../../read-model/environment-view.js';
import type { Clock } from '../../support/clock.js';
import { lacks } from '../api-keys/auth-service.js';
import { auditRecords } from '../audit/audit-records.js';
import type { AccountStore } from './account-store.js';
import { hashPassword } from './passwords.js';
import { newSecret, secretHash } from './session-service.js';

/** Invitations and password resets work for 7 days. */
export const LINK_LIFETIME_MS = 7 * 24 * 3_600_000;

/** A one-time link, handed over by whoever made it: its token is in no store. */
export interface IssuedLink {
  token: string;
  purpose: OneTimePurpose;
  expiresAt: Date;
}

const accountNotFound = (id: string) => new NotFoundError(`No account with id "${id}"`);

/**
 * People and their roles: invitations, one-time links, deactivation, members of projects. Every change
 * is written with its audit entry in one transaction; links' tokens are stored only as hashes.
 */
export class AccountService {
  constructor(
    private readonly store: AccountStore,
    private readonly configStore: ConfigStore,
    private readonly clock: Clock,
  ) {}

  list(): Promise<Account[]> {
    return this.store.accounts('person');
  }

  async get(id: string): Promise<Account> {
    const account = await this.store.account(id);
    if (!account || account.kind !== 'person') throw accountNotFound(id);
    return account;
  }

  membershipsOf(accountId: string): Promise<Membership[]> {
    return this.store.memberships(accountId);
  }

  /** A new person and their invitation; only an owner makes owners. */
  async invite(caller: Principal, input: { email: string; name: string; owner: boolean }) {
    if (input.owner && !holds(caller.grants, 'account.manage', { projectId: null })) {
      throw lacks(caller, 'account.manage');
    }
    const token = newSecret();
    const expiresAt = new Date(this.clock.now() + LINK_LIFETIME_MS);
    const account = await this.write(async (write) => {
      const created = await write.accounts.createAccount({
        id: randomUUID(),
        kind: 'person',
        email: input.email.trim(),
        emailKey: emailKeyOf(input.email),
        name: input.name,
        owner: input.owner,
        passwordHash: null,
      });
      await write.accounts.issueToken(secretHash(token), 'invitation', created.id, expiresAt);
      await write.audit(this.entry(caller, 'account.created', created, null, auditRecords.account(created)));
      return created;
    }, `An account with the email "${input.email.trim()}" already exists`);
    return { account, link: { token, purpose: 'invitation', expiresAt } satisfies IssuedLink };
  }

  /** A new invitation for someone who has not accepted theirs (the old link stops working). */
  async reinvite(caller: Principal, id: string): Promise<IssuedLink> {
    return this.issueLink(caller, id, 'invitation', (account) => {
      if (account.hasPassword) throw new ConflictError('This account has accepted its invitation already');
    });
  }

  /** A one-time link that sets a new password; the account's sessions end when it is used. */
  async resetPassword(caller: Principal, id: string): Promise<IssuedLink> {
    return this.issueLink(caller, id, 'password_reset', () => undefined);
  }

  private async issueLink(
    caller: Principal,
    id: string,
    purpose: OneTimePurpose,
    check: (account: Account) => void,
  ): Promise<IssuedLink> {
    const token = newSecret();
    const expiresAt = new Date(this.clock.now() + LINK_LIFETIME_MS);
    await this.write(async (write) => {
      const account = await write.accounts.account(id);
      if (!account || account.kind !== 'person') throw accountNotFound(id);
      if (account.status !== 'active') throw new ConflictError('This account is deactivated');
      check(account);
      await write.accounts.issueToken(secretHash(token), purpose, id, expiresAt);
      if (purpose === 'password_reset') {
        const record = auditRecords.account(account);
        await write.audit(this.entry(caller, 'account.password_reset', account, record, record));
      }
    });
    return { token, purpose, expiresAt };
  }

  /**
   * An invitation or a password reset, used: sets the password (and the name, for an invitation);
   * a reset ends the account's other sessions. Returns the account, for a new session.
   */
  async acceptLink(input: { token: string; name?: string; password: string }): Promise<Account> {
    const passwordHash = await hashPassword(input.password);
    return this.write(async (write) => {
      const hashed = secretHash(input.token);
      const used =
        (await write.accounts.consumeToken(hashed, 'invitation')) ??
        (await write.accounts.consumeToken(hashed, 'password_reset'));
      const before = used?.accountId ? await write.accounts.account(used.accountId) : undefined;
      if (!before || before.status !== 'active') throw new UnauthorizedError('The link is unknown, used or expired');
      if (before.hasPassword) await write.accounts.endSessions(before.id);
      const after = await write.accounts.updateAccount(before.id, {
        passwordHash,
        ...(input.name !== undefined && { name: input.name }),
      });
      const actor = { keyId: null, name: after.name, accountId: after.id, signedInBy: 'one_time_link' as const };
      await write.audit({
        ...this.entry(actor, 'account.updated', after, auditRecords.account(before), auditRecords.account(after)),
      });
      return after;
    });
  }

  /** A person changes their own name; owners anyone's, and who is an owner. */
  async update(caller: Principal, id: string, changes: { name?: string; owner?: boolean }): Promise<Account> {
    const managesAccounts = holds(caller.grants, 'account.manage', { projectId: null });
    if (!managesAccounts && (caller.accountId !== id || changes.owner !== undefined)) {
      throw lacks(caller, 'account.manage');
    }
    return this.write(async (write) => {
      const before = await write.accounts.account(id);
      if (!before || before.kind !== 'person') throw accountNotFound(id);
      if (changes.owner === false && before.owner) await this.keepAnOwner(write, id);
      const after = await write.accounts.updateAccount(id, changes);
      await write.audit(
        this.entry(caller, 'account.updated', after, auditRecords.account(before), auditRecords.account(after)),
      );
      return after;
    });
  }

  /**
   * Deactivates: the account signs in no more, and its sessions end at once (every instance reads
   * sessions from the database). Never deleted, so the audit log keeps its name.
   */
  async deactivate(caller: Principal, id: string): Promise<Account> {
    return this.write(async (write) => {
      const before = await write.accounts.account(id);
      if (!before || before.kind !== 'person') throw accountNotFound(id);
      if (before.status === 'deactivated') return before;
      if (before.owner) await this.keepAnOwner(write, id);
      const after = await write.accounts.updateAccount(id, {
        status: 'deactivated',
        deactivatedAt: write.at,
      });
      await write.accounts.endSessions(id);
      await write.audit(
        this.entry(caller, 'account.deactivated', after, auditRecords.account(before), auditRecords.account(after)),
      );
      return after;
    });
  }

  /** The project's members, with their accounts. */
  async members(project: ProjectView): Promise<{ membership: Membership; account: Account }[]> {
    const members = await this.store.projectMembers(project.project.id);
    const accounts = new Map((await this.store.accounts('person')).map((a) => [a.id, a]));
    return members.flatMap((membership) => {
      const account = accounts.get(membership.accountId);
      return account ? [{ membership, account }] : [];
    });
  }

  /** Grants a role in the project, in every environment or only in those named. */
  async setMember(
    caller: Principal,
    project: ProjectView,
    accountId: string,
    input: { role: ProjectRole; environments: string[] | null },
  ): Promise<Membership> {
    const environmentIds =
      input.environments === null
        ? null
        : input.environments.map((key, index) => {
            const environment = project.environment(key);
            if (!environment)
              throw new ValidationError(`environments/${index}`, `environment "${key}" not found in the project`);
            return environment.id;
          });
    const projectId = project.project.id;
    return this.write(async (write) => {
      const account = await write.accounts.account(accountId);
      if (!account || account.kind !== 'person') throw accountNotFound(accountId);
      const before = (await write.accounts.memberships(accountId)).find((m) => m.projectId === projectId);
      const after = await write.accounts.setMembership({ accountId, projectId, role: input.role, environmentIds });
      await write.audit({
        ...this.entry(
          caller,
          'member.updated',
          account,
          this.memberRecord(project, before),
          this.memberRecord(project, after),
        ),
        targetType: 'member',
        project: project.project.key,
      });
      return after;
    });
  }

  async removeMember(caller: Principal, project: ProjectView, accountId: string): Promise<void> {
    const projectId = project.project.id;
    await this.write(async (write) => {
      const before = (await write.accounts.memberships(accountId)).find((m) => m.projectId === projectId);
      if (!before) throw new NotFoundError(`Account "${accountId}" has no role in project "${project.project.key}"`);
      const account = (await write.accounts.account(accountId))!;
      await write.accounts.deleteMembership(accountId, projectId);
      await write.audit({
        ...this.entry(caller, 'member.removed', account, this.memberRecord(project, before), null),
        targetType: 'member',
        project: project.project.key,
      });
    });
  }

  /** Whether the caller may see and invite accounts at all. */
  static mayListAccounts(caller: Principal): boolean {
    return holdsAnywhere(caller.grants, 'member.manage');
  }

  private memberRecord(project: ProjectView, membership: Membership | undefined) {
    if (!membership) return null;
    const environments =
      membership.environmentIds?.map((id) => project.environments.find((e) => e.id === id)?.key ?? String(id)) ?? null;
    return auditRecords.member(membership.accountId, membership.role, environments);
  }

  /** Refuses to leave the service without an active owner (nobody could manage accounts then). */
  private async keepAnOwner(write: ConfigWrite, leaving: string): Promise<void> {
    const others = (await write.accounts.activeOwners()).filter((owner) => owner.id !== leaving);
    if (others.length === 0) throw new ConflictError('This is the last active owner; make another owner first');
  }

  private entry(
    actor: NewAuditEntry['actor'],
    action: NewAuditEntry['action'],
    account: Account,
    before: object | null,
    after: object | null,
  ): NewAuditEntry {
    return {
      actor,
      action,
      targetType: 'account',
      target: account.id,
      project: null,
      environment: null,
      before,
      after,
    };
  }

  private async write<T>(work: (write: ConfigWrite) => Promise<T>, conflict?: string): Promise<T> {
    return (await this.configStore.write(work, { conflict })).result;
  }
}
