/** Accounts as read, and what signing in writes outside any audited change: sessions, throttles, the setup token. */
import type { Account, Membership, PersonalToken, Session } from '../../core/accounts.js';
import { toAccount, toMembership, toPersonalToken, toSession } from '../../db/account-write.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';

const SETUP_SLOT = 'setup';

export interface NewSession extends Session {
  tokenHash: string;
}

export interface AccountStore {
  accounts(kind: Account['kind']): Promise<Account[]>;
  account(id: string): Promise<Account | undefined>;
  /** The account with this email (lower-cased) and its password hash, for signing in. */
  credentials(emailKey: string): Promise<{ account: Account; passwordHash: string | null } | undefined>;
  /** Whether an owner can sign in (has set a password): open access and the setup token end then. */
  anyOwnerSignedUp(): Promise<boolean>;
  memberships(accountId: string): Promise<Membership[]>;
  projectMembers(projectId: number): Promise<Membership[]>;
  /** A session by its cookie's hash, with its account. */
  session(tokenHash: string): Promise<{ session: Session; account: Account } | undefined>;
  sessionsOf(accountId: string): Promise<Session[]>;
  /** These sessions, each with its account. */
  sessionsById(ids: string[]): Promise<{ session: Session; account: Account }[]>;
  createSession(session: NewSession): Promise<void>;
  touchSession(id: string, at: Date): Promise<void>;
  /** Whether a session of that id (and account, when given) was there to end. */
  endSession(id: string, accountId?: string): Promise<boolean>;
  markSeen(accountId: string, at: Date): Promise<void>;
  /** A personal token by its secret's hash, with its account. */
  token(tokenHash: string): Promise<{ token: PersonalToken; account: Account } | undefined>;
  tokensOf(accountId: string): Promise<PersonalToken[]>;
  touchToken(id: string, at: Date): Promise<void>;
  /** Failed sign-ins for the email since `since` (older ones are forgotten). */
  failures(emailKey: string, since: Date): Promise<{ failures: number; lastFailureAt: Date }>;
  recordFailure(emailKey: string, at: Date, since: Date): Promise<void>;
  clearFailures(emailKey: string): Promise<void>;
  /**
   * Stores the setup token's hash unless a live one exists (one row for every instance): true when this
   * one was stored, false when another instance's stands.
   */
  offerSetupToken(tokenHash: string, at: Date, expiresAt: Date): Promise<boolean>;
}

export class PrismaAccountStore implements AccountStore {
  constructor(private readonly store: PrismaStore) {}

  private async run<T>(query: () => Promise<T>): Promise<T> {
    return query().catch((e) => translatePrismaError(e));
  }

  async accounts(kind: Account['kind']): Promise<Account[]> {
    const rows = await this.run(() => this.store.account.findMany({ where: { kind }, orderBy: { createdAt: 'asc' } }));
    return rows.map(toAccount);
  }

  async account(id: string): Promise<Account | undefined> {
    const row = await this.run(() => this.store.account.findUnique({ where: { id } }));
    return row ? toAccount(row) : undefined;
  }

  async credentials(emailKey: string) {
    const row = await this.run(() => this.store.account.findUnique({ where: { emailKey } }));
    return row ? { account: toAccount(row), passwordHash: row.passwordHash } : undefined;
  }

  async anyOwnerSignedUp(): Promise<boolean> {
    const owners = await this.run(() =>
      this.store.account.count({ where: { kind: 'person', owner: true, passwordHash: { not: null } } }),
    );
    return owners > 0;
  }

  async memberships(accountId: string): Promise<Membership[]> {
    return (await this.run(() => this.store.projectMember.findMany({ where: { accountId } }))).map(toMembership);
  }

  async projectMembers(projectId: number): Promise<Membership[]> {
    const rows = await this.run(() =>
      this.store.projectMember.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' } }),
    );
    return rows.map(toMembership);
  }

  async session(tokenHash: string) {
    const row = await this.run(() => this.store.session.findUnique({ where: { tokenHash } }));
    if (!row) return undefined;
    const account = await this.account(row.accountId);
    return account && { session: toSession(row), account };
  }

  async sessionsOf(accountId: string): Promise<Session[]> {
    const rows = await this.run(() =>
      this.store.session.findMany({ where: { accountId }, orderBy: { createdAt: 'desc' } }),
    );
    return rows.map(toSession);
  }

  async sessionsById(ids: string[]) {
    const rows = await this.run(() => this.store.session.findMany({ where: { id: { in: ids } } }));
    const accountIds = [...new Set(rows.map((row) => row.accountId))];
    const accounts = await this.run(() => this.store.account.findMany({ where: { id: { in: accountIds } } }));
    const byId = new Map(accounts.map((row) => [row.id, toAccount(row)]));
    return rows.flatMap((row) => {
      const account = byId.get(row.accountId);
      return account ? [{ session: toSession(row), account }] : [];
    });
  }

  async createSession(session: NewSession): Promise<void> {
    await this.run(() => this.store.session.create({ data: session }));
  }

  async touchSession(id: string, at: Date): Promise<void> {
    await this.run(() => this.store.session.updateMany({ where: { id }, data: { lastSeenAt: at } }));
  }

  async endSession(id: string, accountId?: string): Promise<boolean> {
    const { count } = await this.run(() =>
      this.store.session.deleteMany({ where: { id, ...(accountId !== undefined && { accountId }) } }),
    );
    return count > 0;
  }

  async markSeen(accountId: string, at: Date): Promise<void> {
    await this.run(() => this.store.account.updateMany({ where: { id: accountId }, data: { lastSeenAt: at } }));
  }

  async token(tokenHash: string) {
    const row = await this.run(() => this.store.personalToken.findUnique({ where: { tokenHash } }));
    if (!row) return undefined;
    const account = await this.account(row.accountId);
    return account && { token: toPersonalToken(row), account };
  }

  async tokensOf(accountId: string): Promise<PersonalToken[]> {
    const rows = await this.run(() =>
      this.store.personalToken.findMany({ where: { accountId }, orderBy: { createdAt: 'desc' } }),
    );
    return rows.map(toPersonalToken);
  }

  async touchToken(id: string, at: Date): Promise<void> {
    await this.run(() => this.store.personalToken.updateMany({ where: { id }, data: { lastUsedAt: at } }));
  }

  async failures(emailKey: string, since: Date) {
    const row = await this.run(() => this.store.signInThrottle.findUnique({ where: { emailKey } }));
    return row && row.lastFailureAt > since
      ? { failures: row.failures, lastFailureAt: row.lastFailureAt }
      : { failures: 0, lastFailureAt: new Date(0) };
  }

  async recordFailure(emailKey: string, at: Date, since: Date): Promise<void> {
    await this.run(() =>
      this.store.$transaction(async (tx) => {
        const row = await tx.signInThrottle.findUnique({ where: { emailKey } });
        const failures = row && row.lastFailureAt > since ? row.failures + 1 : 1;
        await tx.signInThrottle.upsert({
          where: { emailKey },
          create: { emailKey, failures, lastFailureAt: at },
          update: { failures, lastFailureAt: at },
        });
      }),
    );
  }

  async clearFailures(emailKey: string): Promise<void> {
    await this.run(() => this.store.signInThrottle.deleteMany({ where: { emailKey } }));
  }

  async offerSetupToken(tokenHash: string, at: Date, expiresAt: Date): Promise<boolean> {
    // An expired or used setup token makes room; a live one stays (another instance printed its link).
    await this.run(() =>
      this.store.oneTimeToken.deleteMany({
        where: { slot: SETUP_SLOT, OR: [{ expiresAt: { lte: at } }, { usedAt: { not: null } }] },
      }),
    );
    try {
      await this.store.oneTimeToken.create({
        data: { tokenHash, purpose: 'setup', slot: SETUP_SLOT, createdAt: at, expiresAt },
      });
      return true;
    } catch (error) {
      // The unique slot: another instance's token got there first.
      if ((error as { code?: string }).code === 'P2002') return false;
      return translatePrismaError(error);
    }
  }
}
