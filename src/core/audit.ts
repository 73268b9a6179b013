/** Who changed what: the audit log's entries and the actions it records (which webhooks announce). */
/** How a caller proved who they are. */
export const SIGNED_IN_BY = [
  'session',
  'token',
  'api_key',
  'admin_api_key',
  'one_time_link',
  'open',
  'system',
] as const;
/** How a caller proved who they are; `one_time_link`: a setup, invitation or password-reset link. */
export type SignedInBy = (typeof SIGNED_IN_BY)[number];

/** Who made a change, as the audit log records it. */
export interface Actor {
  keyId: string | null;
  /** The account's name, the key's, or the job's ("scheduler"). */
  name: string;
  /** The person or service account behind the change; null for keys without an owner and the service's jobs. */
  accountId: string | null;
  signedInBy: SignedInBy;
}

export const AUDIT_TARGET_TYPES = [
  'flag',
  'segment',
  'api_key',
  'experiment',
  'project',
  'environment',
  'webhook',
  'account',
  'member',
  'personal_token',
] as const;

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** Every action the audit log records, and so every event a webhook can ask for. */
export const AUDIT_ACTIONS = [
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'schedule.created',
  'schedule.cancelled',
  'schedule.applied',
  'segment.created',
  'segment.updated',
  'segment.deleted',
  'api_key.created',
  'api_key.revoked',
  'experiment.created',
  'experiment.started',
  'experiment.stopped',
  'flag.promoted',
  'environment.promoted',
  'project.created',
  'project.updated',
  'project.deleted',
  'project.imported',
  'environment.created',
  'environment.updated',
  'environment.deleted',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'account.created',
  'account.updated',
  'account.deactivated',
  'account.password_reset',
  'member.updated',
  'member.removed',
  'personal_token.created',
  'personal_token.revoked',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: number;
  at: Date;
  /** `signedInBy` is null in entries made before accounts existed. */
  actor: Omit<Actor, 'signedInBy'> & { signedInBy: SignedInBy | null };
  action: string;
  targetType: AuditTargetType;
  target: string;
  /** The project's and environment's keys, where the change concerned one. */
  project: string | null;
  environment: string | null;
  before: unknown;
  after: unknown;
}
