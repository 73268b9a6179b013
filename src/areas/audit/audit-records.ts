import type { Account } from '../../core/accounts.js';
import type { ApiKey } from '../../core/api-keys.js';
import type { Environment, ExperimentSettings, Project } from '../../core/projects.js';
import type { Experiment } from '../../core/experiments.js';
import type { Flag, FlagDefinition } from '../../core/flags.js';
import type { JsonValue } from '../../core/json.js';
import type { ScheduledChange } from '../../core/schedules.js';
import type { Segment } from '../../core/segments.js';
import type { Webhook } from '../../core/webhooks.js';
import type { Condition } from '../../core/targeting.js';
import { basisPointsToPercentage } from '../../core/rollout.js';

/**
 * What the audit log stores of each row, before and after a change. The shape is the audit log's
 * own, written out field by field rather than borrowed from the API's responses, so a change to the
 * API never changes how history was written or reads. It matches the API's snake_case and
 * percentages because that is what the people reading history know. Never a key's secret or hash.
 */
export interface FlagAuditRecord {
  flag_name: string;
  status: boolean;
  rollout_percentage: number;
  description: string | null;
  kind: string;
  tags: string[];
  value_type: string;
  /** Each variant's value only for flags of a value type other than boolean. */
  variants: { key: string; weight: number; payload: JsonValue; value?: JsonValue }[];
  off_variant: string | null;
  rules: {
    segment: string | null;
    conditions: Condition[];
    rollout_percentage: number;
    variants: { key: string; weight: number }[];
  }[];
  overrides: { user_id: string; enabled: boolean; variant: string | null }[];
  prerequisites: { flag: string; variant: string | null }[];
  created_at: string;
  updated_at: string;
}

/** A flag's definition alone, for changes to it that concern every environment. */
export interface FlagDefinitionAuditRecord {
  flag_name: string;
  description: string | null;
  kind: string;
  tags: string[];
  value_type: string;
  variants: { key: string; payload: JsonValue; value?: JsonValue }[];
  off_variant: string | null;
  created_at: string;
  updated_at: string;
}

export interface ExperimentSettingsRecord {
  sequential: boolean;
  min_days: number;
  min_users_per_variant: number;
}

export interface ProjectAuditRecord {
  key: string;
  name: string;
  description: string | null;
  experiment_settings: ExperimentSettingsRecord;
}

const experimentSettingsRecord = (settings: ExperimentSettings): ExperimentSettingsRecord => ({
  sequential: settings.sequential,
  min_days: settings.minDays,
  min_users_per_variant: settings.minUsersPerVariant,
});

export interface EnvironmentAuditRecord {
  key: string;
  name: string;
  position: number;
}

export interface SegmentAuditRecord {
  name: string;
  description: string | null;
  conditions: Condition[];
  user_ids: string[];
  created_at: string;
  updated_at: string;
}

export interface ScheduleAuditRecord {
  id: string;
  flag_name: string;
  at: string;
  set: { status?: boolean; rollout_percentage?: number };
  created_at: string;
  applied_at: string | null;
}

export interface ApiKeyAuditRecord {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/** Never a password or a link's token: only whether the account has a password. */
export interface AccountAuditRecord {
  id: string;
  kind: string;
  email: string | null;
  name: string;
  status: string;
  owner: boolean;
  has_password: boolean;
}

/** A role in a project, its environments by key. */
export interface MemberAuditRecord {
  account_id: string;
  role: string;
  environments: string[] | null;
}

/**
 * Never the secret (only whether this change replaced it), and the URL's origin only: a receiver's
 * path often is a credential (chat webhooks), and audit entries are themselves announced to webhooks.
 */
export interface WebhookAuditRecord {
  id: string;
  origin: string;
  events: string[];
  enabled: boolean;
  secret_changed: boolean;
}

export interface ExperimentAuditRecord {
  key: string;
  flag_name: string;
  control: string;
  metrics: { key: string; event: string; type: string; window_hours: number | null; inverse: boolean }[];
  hypothesis: string | null;
  sequential: boolean;
  status: string;
  start_weights: { key: string; weight: number }[];
  started_at: string | null;
  stopped_at: string | null;
}

const percentage = basisPointsToPercentage;

export const auditRecords = {
  flag: (flag: Flag): FlagAuditRecord => ({
    flag_name: flag.name,
    status: flag.status,
    rollout_percentage: percentage(flag.rolloutBasisPoints),
    description: flag.description,
    kind: flag.kind,
    tags: flag.tags,
    value_type: flag.valueType,
    variants: flag.variants.map((v) => ({
      key: v.key,
      weight: percentage(v.weightBasisPoints),
      payload: v.payload,
      ...(flag.valueType !== 'boolean' && { value: v.value }),
    })),
    off_variant: flag.offVariant,
    rules: flag.rules.map((rule) => ({
      segment: rule.segment,
      conditions: rule.conditions.map((c) => ({ ...c })),
      rollout_percentage: percentage(rule.rolloutBasisPoints),
      variants: rule.variants.map((v) => ({ key: v.key, weight: percentage(v.weightBasisPoints) })),
    })),
    overrides: flag.overrides.map((o) => ({ user_id: o.userId, enabled: o.enabled, variant: o.variant })),
    prerequisites: flag.prerequisites.map((p) => ({ flag: p.flag, variant: p.variant })),
    created_at: flag.createdAt.toISOString(),
    updated_at: flag.updatedAt.toISOString(),
  }),
  definition: (flag: FlagDefinition): FlagDefinitionAuditRecord => ({
    flag_name: flag.name,
    description: flag.description,
    kind: flag.kind,
    tags: flag.tags,
    value_type: flag.valueType,
    variants: flag.variants.map((v) => ({
      key: v.key,
      payload: v.payload,
      ...(flag.valueType !== 'boolean' && { value: v.value }),
    })),
    off_variant: flag.offVariant,
    created_at: flag.createdAt.toISOString(),
    updated_at: flag.updatedAt.toISOString(),
  }),
  project: (project: Project): ProjectAuditRecord => ({
    key: project.key,
    name: project.name,
    description: project.description,
    experiment_settings: experimentSettingsRecord(project.experimentSettings),
  }),
  environment: (environment: Environment): EnvironmentAuditRecord => ({
    key: environment.key,
    name: environment.name,
    position: environment.position,
  }),
  segment: (segment: Segment): SegmentAuditRecord => ({
    name: segment.name,
    description: segment.description,
    conditions: segment.conditions.map((c) => ({ ...c })),
    user_ids: segment.userIds,
    created_at: segment.createdAt.toISOString(),
    updated_at: segment.updatedAt.toISOString(),
  }),
  schedule: (change: ScheduledChange): ScheduleAuditRecord => {
    const set: ScheduleAuditRecord['set'] = {};
    if (change.changes.status !== undefined) set.status = change.changes.status;
    if (change.changes.rolloutBasisPoints !== undefined)
      set.rollout_percentage = percentage(change.changes.rolloutBasisPoints);
    return {
      id: change.id,
      flag_name: change.flagName,
      at: change.at.toISOString(),
      set,
      created_at: change.createdAt.toISOString(),
      applied_at: change.appliedAt?.toISOString() ?? null,
    };
  },
  apiKey: (key: ApiKey): ApiKeyAuditRecord => ({
    id: key.id,
    name: key.name,
    scope: key.scope,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  }),
  account: (account: Account): AccountAuditRecord => ({
    id: account.id,
    kind: account.kind,
    email: account.email,
    name: account.name,
    status: account.status,
    owner: account.owner,
    has_password: account.hasPassword,
  }),
  member: (accountId: string, role: string, environments: string[] | null): MemberAuditRecord => ({
    account_id: accountId,
    role,
    environments,
  }),
  webhook: (webhook: Webhook, secretChanged = false): WebhookAuditRecord => ({
    id: webhook.id,
    origin: new URL(webhook.url).origin,
    events: webhook.events,
    enabled: webhook.enabled,
    secret_changed: secretChanged,
  }),
  experiment: (experiment: Experiment): ExperimentAuditRecord => ({
    key: experiment.key,
    flag_name: experiment.flagName,
    control: experiment.control,
    metrics: experiment.metrics.map((m) => ({
      key: m.key,
      event: m.event,
      type: m.type,
      window_hours: m.windowHours,
      inverse: m.inverse,
    })),
    hypothesis: experiment.hypothesis,
    sequential: experiment.sequential,
    status: experiment.status,
    start_weights: experiment.startWeights.map((v) => ({ key: v.key, weight: percentage(v.weightBasisPoints) })),
    started_at: experiment.startedAt?.toISOString() ?? null,
    stopped_at: experiment.stoppedAt?.toISOString() ?? null,
  }),
};
