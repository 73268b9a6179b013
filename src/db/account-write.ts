/** Accounts' rows as one transaction writes them (ConfigWrite.accounts), and their conversion to the core's model. */
import type {
  Account,
  AccountKind,
  AccountStatus,
  Membership,
  OneTimePurpose,
  PersonalToken,
  Session,
} from '../core/accounts.js';
import type { ProjectRole } from '../core/permissions.js';
import type { AccountRow, PersonalTokenRow, ProjectMemberRow, SessionRow, TransactionTables } from './prisma-tables.js';
import type { AccountChanges, AccountWrite, NewAccount } from './repositories.js';

export const toAccount = ({ passwordHash, ...row }: AccountRow): Account => ({
  ...row,
  kind: row.kind as AccountKind,
  status: row.status as AccountStatus,
  hasPassword: passwordHash !== null,
});

export const toMembership = (row: ProjectMemberRow): Membership => ({
  accountId: row.accountId,
  projectId: row.projectId,
  role: row.role as ProjectRole,
  environmentIds: row.environments === null ? null : (JSON.parse(row.environments) as number[]),
});

export const toSession = ({ tokenHash: _secret, ...row }: SessionRow): Session => row;

export const toPersonalToken = ({ tokenHash: _secret, ...row }: PersonalTokenRow): PersonalToken => row;

export class PrismaAccountWrite implements AccountWrite {
  constructor(
    private readonly tx: TransactionTables,
    private readonly at: Date,
  ) {}

  async account(id: string): Promise<Account | undefined> {
    const row = await this.tx.account.findUnique({ where: { id } });
    return row ? toAccount(row) : undefined;
  }

  async activeOwners(): Promise<Account[]> {
    const rows = await this.tx.account.findMany({ where: { owner: true, status: 'active' } });
    return rows.map(toAccount);
  }

  async createAccount({ email, emailKey, ...account }: NewAccount): Promise<Account> {
    return toAccount(await this.tx.account.create({ data: { ...account, email, emailKey, createdAt: this.at } }));
  }

  async updateAccount(id: string, changes: AccountChanges): Promise<Account> {
    return toAccount(await this.tx.account.update({ where: { id }, data: changes }));
  }

  async memberships(accountId: string): Promise<Membership[]> {
    return (await this.tx.projectMember.findMany({ where: { accountId } })).map(toMembership);
  }

  async setMembership({ accountId, projectId, role, environmentIds }: Membership): Promise<Membership> {
    const environments = environmentIds === null ? null : JSON.stringify(environmentIds);
    const row = await this.tx.projectMember.upsert({
      where: { accountId_projectId: { accountId, projectId } },
      create: { accountId, projectId, role, environments, createdAt: this.at },
      update: { role, environments },
    });
    return toMembership(row);
  }

  async deleteMembership(accountId: string, projectId: number): Promise<void> {
    await this.tx.projectMember.deleteMany({ where: { accountId, projectId } });
  }

  async issueToken(tokenHash: string, purpose: OneTimePurpose, accountId: string, expiresAt: Date): Promise<void> {
    // A new link replaces the account's earlier unused ones of the same purpose.
    await this.tx.oneTimeToken.deleteMany({ where: { accountId, purpose, usedAt: null } });
    await this.tx.oneTimeToken.create({ data: { tokenHash, purpose, accountId, createdAt: this.at, expiresAt } });
  }

  async consumeToken(tokenHash: string, purpose: OneTimePurpose): Promise<{ accountId: string | null } | undefined> {
    const token = await this.tx.oneTimeToken.findUnique({ where: { tokenHash } });
    if (!token || token.purpose !== purpose || token.usedAt !== null || token.expiresAt <= this.at) return undefined;
    // Conditional, so two uses at once on two instances cannot both succeed.
    const { count } = await this.tx.oneTimeToken.updateMany({
      where: { tokenHash, usedAt: null },
      data: { usedAt: this.at },
    });
    return count === 1 ? { accountId: token.accountId } : undefined;
  }

  async endSessions(accountId: string): Promise<void> {
    await this.tx.session.deleteMany({ where: { accountId } });
  }

  async createToken(token: PersonalToken & { tokenHash: string }): Promise<PersonalToken> {
    return toPersonalToken(await this.tx.personalToken.create({ data: token }));
  }

  async token(id: string): Promise<PersonalToken | undefined> {
    const row = await this.tx.personalToken.findUnique({ where: { id } });
    return row ? toPersonalToken(row) : undefined;
  }

  async revokeToken(id: string): Promise<PersonalToken> {
    return toPersonalToken(await this.tx.personalToken.update({ where: { id }, data: { revokedAt: this.at } }));
  }
}
