/** Who changed what: the audit log's entries and the actions it records (which webhooks announce). */
/** Who made a change, as the audit log records it. */
export interface Actor {
  keyId: string | null;
  name: string;
}

export const AUDIT_TARGET_TYPES = [
  'flag',
  'segment',
  'api_key',
  'experiment',
  'project',
  'environment',
  'webhook',
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
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: number;
  at: Date;
  actor: Actor;
  action: string;
  targetType: AuditTargetType;
  target: string;
  /** The project's and environment's keys, where the change concerned one. */
  project: string | null;
  environment: string | null;
  before: unknown;
  after: unknown;
}
