/**
 * Accounts: the people who sign in (and service accounts, which own machines' keys), their roles in
 * projects, and their sessions. The end users flags are evaluated for are "users" and are never stored.
 */
import { type Grant, grantOf, type ProjectRole } from './permissions.js';

export type AccountKind = 'person' | 'service';
export type AccountStatus = 'active' | 'deactivated';

export interface Account {
  id: string;
  kind: AccountKind;
  /** Null for a service account. */
  email: string | null;
  name: string;
  status: AccountStatus;
  owner: boolean;
  /** Whether a password is set (an invited person has none until they accept). */
  hasPassword: boolean;
  createdAt: Date;
  lastSeenAt: Date | null;
  deactivatedAt: Date | null;
}

/** A role in a project; `environmentIds` null: in every environment. */
export interface Membership {
  accountId: string;
  projectId: number;
  role: ProjectRole;
  environmentIds: number[] | null;
}

export interface Session {
  id: string;
  accountId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  address: string | null;
  userAgent: string | null;
}

/** A person's token for scripts and CI: it holds its account's permissions, whatever they are at the time. */
export interface PersonalToken {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const tokenLive = (token: PersonalToken, now: number): boolean =>
  token.revokedAt === null && (token.expiresAt === null || token.expiresAt.getTime() > now);

export type OneTimePurpose = 'setup' | 'invitation' | 'password_reset';

/** Emails are unique whatever their case: stored as typed, compared lower-cased. */
export const emailKeyOf = (email: string): string => email.trim().toLowerCase();

/** What an account may do: everything for an owner, else its roles; nothing once deactivated. */
export function accountGrants(account: Account, memberships: readonly Membership[]): Grant[] {
  if (account.status !== 'active') return [];
  if (account.owner) return [grantOf('owner', null)];
  return memberships.map((m) => grantOf(m.role, m.projectId, m.environmentIds));
}

/** Session lifetimes: idle (since the last request) and absolute (since sign-in). */
export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** Whether a session is still good at `now`. */
export const sessionLive = (session: Session, now: number, { idleMs }: SessionTimeouts): boolean =>
  session.expiresAt.getTime() > now && session.lastSeenAt.getTime() + idleMs > now;

/**
 * The wait before the next sign-in may be tried for an email after `failures` failed ones: none for
 * the first few (typos), then doubling from one second up to a minute. Never a lock: the right
 * password always works once the wait is over, so nobody can lock a colleague out by guessing.
 */
export function signInDelayMs(failures: number): number {
  const FREE_ATTEMPTS = 3;
  const MAX_DELAY_MS = 60_000;
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(1000 * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_MS);
}
