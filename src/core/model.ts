/**
 * The domain model: flags and their targeting, segments, scheduled changes, API keys and audit
 * entries, as the services and the evaluation core see them. Pure types: db/ maps rows to and from
 * them, schemas/ maps them to and from HTTP.
 */
import type { ReportedComparison } from './statistics.js';
import type { Condition } from './targeting.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What OpenFeature gets as a flag's value: its on/off state, or its variant's typed value. */
export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

/** One arm of an A/B/n test. */
export interface Variant {
  key: string;
  /** Share of the users who get the flag, in basis points; a flag's variants add up to 10,000. */
  weightBasisPoints: number;
  /** Whatever the client needs for this arm (copy, colours, a config object). */
  payload: JsonValue;
  /** The flag's value for this arm, of the flag's value type; null for boolean flags. */
  value: JsonValue;
}

/** A share of a rule's users for one of the flag's variants. */
export interface VariantSplit {
  key: string;
  weightBasisPoints: number;
}

/** Tried in order; the first whose segment and conditions hold decides the flag for the user. */
export interface Rule {
  /** A segment's name; null for a rule with inline conditions only. */
  segment: string | null;
  conditions: Condition[];
  rolloutBasisPoints: number;
  /** Overrides the flag's variant weights for this rule's users; empty to keep them. */
  variants: VariantSplit[];
}

/** Another flag that must be on for the user (and, when given, on this variant) before this one applies. */
export interface Prerequisite {
  flag: string;
  variant: string | null;
}

/** Forces the flag on or off (and, when on, a variant) for one user. */
export interface Override {
  userId: string;
  enabled: boolean;
  variant: string | null;
}

/** How long a flag is expected to live, which tells when it has become stale. */
export type FlagKind = 'release' | 'experiment' | 'operational' | 'kill_switch' | 'permission';

/** Days a flag of each kind is expected to live; null for flags meant to stay (Unleash's lifetimes). */
export const FLAG_KIND_LIFETIME_DAYS: Record<FlagKind, number | null> = {
  release: 40,
  experiment: 40,
  operational: 7,
  kill_switch: null,
  permission: null,
};

/** A team's flags, segments and environments. */
export interface Project {
  id: number;
  key: string;
  name: string;
  description: string | null;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** A stage of a project (development, staging, production); `position` orders them. */
export interface Environment {
  id: number;
  projectId: number;
  key: string;
  name: string;
  position: number;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** A variant as the flag's definition holds it: its weights are per environment. */
export interface VariantDefinition {
  key: string;
  payload: JsonValue;
  value: JsonValue;
}

/** What a flag is, in every environment of its project. */
export interface FlagDefinition {
  id: number;
  projectId: number;
  name: string;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  variants: VariantDefinition[];
  /** The variant served (with its payload and value) to users the flag is off for; null for none. */
  offVariant: string | null;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** How a flag behaves in one environment. `weights` has one entry per variant of the definition, in its order. */
export interface FlagConfig {
  id: number;
  flagId: number;
  environmentId: number;
  status: boolean;
  rolloutBasisPoints: number;
  weights: VariantSplit[];
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** A flag as one environment evaluates it: its definition and that environment's configuration together. */
export interface Flag {
  /** The configuration's id: this flag in this environment. */
  configId: number;
  flagId: number;
  environmentId: number;
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  /** Empty for a plain on/off flag. */
  variants: Variant[];
  /** The variant served to users the flag is off for; null for none. */
  offVariant: string | null;
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  /** The definition's version, shared by the project's environments. */
  definitionVersion: number;
  /** This environment's configuration's version. */
  version: number;
  createdAt: Date;
  /** The later of the definition's and the configuration's last change. */
  updatedAt: Date;
}

/** Shared by every flag without variants (most of them); frozen, as flags in memory are never changed in place. */
const NO_VARIANTS: Variant[] = Object.freeze([]) as never[];

/**
 * The definition and one environment's configuration as one flag, built field by field: evaluation
 * reads these objects thousands of times a request, and a literal gives every flag the same fast shape.
 */
export function flagOf(definition: FlagDefinition, config: FlagConfig): Flag {
  const weightOf = (key: string) => config.weights.find((w) => w.key === key)?.weightBasisPoints ?? 0;
  return {
    configId: config.id,
    flagId: definition.id,
    environmentId: config.environmentId,
    name: definition.name,
    status: config.status,
    rolloutBasisPoints: config.rolloutBasisPoints,
    description: definition.description,
    kind: definition.kind,
    tags: definition.tags,
    valueType: definition.valueType,
    offVariant: definition.offVariant,
    variants:
      definition.variants.length === 0
        ? NO_VARIANTS
        : definition.variants.map((v) => ({
            key: v.key,
            weightBasisPoints: weightOf(v.key),
            payload: v.payload,
            value: v.value,
          })),
    rules: config.rules,
    overrides: config.overrides,
    prerequisites: config.prerequisites,
    definitionVersion: definition.version,
    version: config.version,
    createdAt: definition.createdAt,
    updatedAt: config.updatedAt > definition.updatedAt ? config.updatedAt : definition.updatedAt,
  };
}

/**
 * A flag from a definition and settings that are not stored rows: a document's (flags as code, GET
 * /config), or settings being checked before they are saved.
 */
export const flagWithSettings = (
  definition: Omit<FlagDefinition, 'id' | 'projectId' | 'createdAt' | 'updatedAt' | 'version'>,
  settings: FlagSettings,
  environmentId: number,
): Flag =>
  flagOf(
    { ...definition, id: 0, projectId: 0, version: 0, createdAt: new Date(0), updatedAt: new Date(0) },
    { ...settings, id: 0, flagId: 0, environmentId, version: 0, updatedAt: new Date(0) },
  );

/** What an environment sets of a flag, out of its configuration row: to copy to another environment. */
export const settingsOf = (config: FlagConfig): FlagSettings => ({
  status: config.status,
  rolloutBasisPoints: config.rolloutBasisPoints,
  weights: config.weights,
  rules: config.rules,
  overrides: config.overrides,
  prerequisites: config.prerequisites,
});

/** Variants split equally (in basis points; the first ones take the remainder). */
export function equalWeights(variants: readonly { key: string }[]): VariantSplit[] {
  const share = Math.floor(10_000 / Math.max(variants.length, 1));
  const remainder = 10_000 - share * variants.length;
  return variants.map((v, i) => ({ key: v.key, weightBasisPoints: share + (i < remainder ? 1 : 0) }));
}

/** A flag off in an environment: what a new environment or a new flag elsewhere starts with. */
export const offSettings = (weights: VariantSplit[]): FlagSettings => ({
  status: false,
  rolloutBasisPoints: 10_000,
  weights,
  rules: [],
  overrides: [],
  prerequisites: [],
});

export type NewProject = Pick<Project, 'key' | 'name' | 'description'>;
export type NewEnvironment = Pick<Environment, 'projectId' | 'key' | 'name' | 'position'>;
export type NewFlagDefinition = Omit<FlagDefinition, 'id' | 'createdAt' | 'updatedAt' | 'version'>;
export type FlagDefinitionChanges = Partial<
  Pick<FlagDefinition, 'description' | 'kind' | 'tags' | 'valueType' | 'variants' | 'offVariant'>
>;
export type NewFlagConfig = Omit<FlagConfig, 'id' | 'updatedAt' | 'version'>;
/** The configuration fields one environment sets. */
export type FlagSettings = Pick<
  FlagConfig,
  'status' | 'rolloutBasisPoints' | 'weights' | 'rules' | 'overrides' | 'prerequisites'
>;
export type FlagConfigChanges = Partial<FlagSettings>;

/** What a scheduled change sets on its flag. */
export interface ScheduledSettings {
  status?: boolean;
  rolloutBasisPoints?: number;
}

export interface ScheduledChange {
  id: string;
  environmentId: number;
  flagName: string;
  at: Date;
  changes: ScheduledSettings;
  createdAt: Date;
  /** When an instance wrote it to the flag; null while pending. */
  appliedAt: Date | null;
}

export type NewScheduledChange = Omit<ScheduledChange, 'createdAt' | 'appliedAt'>;

export interface Segment {
  id: number;
  projectId: number;
  name: string;
  description: string | null;
  conditions: Condition[];
  userIds: string[];
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type NewSegment = Omit<Segment, 'id' | 'createdAt' | 'updatedAt' | 'version'>;
export type SegmentChanges = Partial<Pick<Segment, 'description' | 'conditions' | 'userIds'>>;

/**
 * What a key may do, each including the one after it: `admin` manages; `server` also downloads its
 * environment's whole configuration (segments' user lists too), for in-process evaluation; `evaluate`
 * only evaluates, and is the one that ends up in browsers.
 */
export type ApiKeyScope = 'admin' | 'server' | 'evaluate';

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The project the key may use; null for a global admin key. */
  projectId: number | null;
  /** The one environment an evaluate or server key works in; null for admin keys. */
  environmentId: number | null;
  prefix: string;
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export type NewApiKey = Omit<ApiKey, 'createdAt' | 'revokedAt'>;

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

export type MetricType = 'binomial' | 'mean';

/**
 * The largest magnitude a tracked event's value may have: far beyond any revenue or count, and small
 * enough that sums of values and of their squares over any realistic number of users stay finite.
 */
export const MAX_EVENT_VALUE = 1e12;
/** Magnitudes below this count as 0: squared, they would underflow PostgreSQL's double precision. */
export const MIN_EVENT_VALUE_MAGNITUDE = 1e-12;

/** What an experiment measures after a user's first exposure. */
export interface Metric {
  key: string;
  /** The tracked event's name. */
  event: string;
  /** binomial: did the event at least once; mean: the sum of its values per user (0 without any). */
  type: MetricType;
  /** Only events within this many hours of the exposure count; null for any time until the experiment stops. */
  windowHours: number | null;
  /** Lower is better. */
  inverse: boolean;
}

export type ExperimentStatus = 'draft' | 'running' | 'stopped';

export interface Experiment {
  id: number;
  environmentId: number;
  key: string;
  flagName: string;
  control: string;
  metrics: Metric[];
  hypothesis: string | null;
  sequential: boolean;
  status: ExperimentStatus;
  /** The flag's variant weights when the experiment started; empty before. */
  startWeights: VariantSplit[];
  startedAt: Date | null;
  stoppedAt: Date | null;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type NewExperiment = Pick<
  Experiment,
  'environmentId' | 'key' | 'flagName' | 'control' | 'metrics' | 'hypothesis' | 'sequential'
>;

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

export interface VariantResult {
  key: string;
  /** Percent of the flag's users, as the flag's weights say now. */
  weight: number;
  users: number;
}

export interface MetricVariantResult {
  key: string;
  users: number;
  conversions: number;
  rate: number;
  sum: number;
  mean: number;
  stddev: number;
  /** 95% interval of the rate (binomial) or the mean. */
  interval: [number, number];
  /** The comparison with the control; absent for the control, null when it cannot be made yet. */
  relative?: ReportedComparison | null;
}

export interface DailyPoint {
  date: string;
  users: number;
  conversions: number;
  sum: number;
}

export interface MetricResult {
  metric: Metric;
  variants: MetricVariantResult[];
  /** Why a statistic of this metric is null: it could not be computed from the data. */
  warnings: string[];
  /** Cumulative daily points per variant, when asked for. */
  series?: { key: string; points: DailyPoint[] }[];
}

export interface ExperimentResults {
  experiment: Experiment;
  computedAt: Date;
  srm: { pValue: number | null; healthy: boolean | null };
  multipleExposures: number;
  warnings: string[];
  variants: VariantResult[];
  metrics: MetricResult[];
}

/** Why a flag is stale: past its kind's expected lifetime, or not evaluated for a long time; null when it is not. */
export type StaleReason = { reason: 'past_expected_lifetime' | 'not_evaluated'; detail: string } | null;

/** A definition with what the project's environments make of it. */
export interface DefinitionInUse {
  definition: FlagDefinition;
  /** Per environment, in the project's order. */
  environments: { environment: Environment; config: FlagConfig | undefined; lastEvaluatedAt: number | null }[];
  stale: StaleReason;
}

/** One field of a flag's settings that differs between two environments. */
export interface FieldChange {
  /**
   * "status", "rollout_percentage", "variants.<key>.weight", "rules[<i>]", "overrides.<user>" or
   * "prerequisites.<flag>".
   */
  field: string;
  change: 'added' | 'removed' | 'changed';
  /** In the target environment now; null when added. */
  before: unknown;
  /** In the target once promoted (the source's); null when removed. */
  after: unknown;
}

export interface FlagDiff {
  flagName: string;
  changes: FieldChange[];
}

export interface Promotion {
  from: string;
  to: string;
  flags: FlagDiff[];
  applied: boolean;
}

/** A project's configuration as one document: what GET …/export answers and POST …/import takes. */
export interface FlagsDocument {
  project: { key: string; name: string; description: string | null };
  /** In the project's order. */
  environments: { key: string; name: string }[];
  /** By name. */
  segments: Pick<Segment, 'name' | 'description' | 'conditions' | 'userIds'>[];
  /** By name. */
  flags: DocumentFlag[];
}

/**
 * One environment's whole configuration: what GET /config answers and the in-process provider
 * evaluates from. Flags are as stored; pending scheduled changes come beside them, and whoever
 * evaluates applies those that are due (core/schedules).
 */
export interface EnvironmentConfig {
  /** The environment's version: the revision of the last change to its configuration. */
  revision: number;
  environment: string;
  /** The project's definitions and segments, with this environment's settings only. */
  document: FlagsDocument;
  /** Pending, in time order. */
  schedules: Pick<ScheduledChange, 'id' | 'flagName' | 'at' | 'changes'>[];
  /** The running experiments, whose exposures the evaluator records. */
  experiments: Pick<Experiment, 'key' | 'flagName'>[];
}

export interface DocumentFlag {
  name: string;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  variants: VariantDefinition[];
  offVariant: string | null;
  /** Settings per environment key, in the project's order. */
  environments: Map<string, FlagSettings>;
}

export interface ImportChange {
  type: 'environment' | 'segment' | 'flag';
  name: string;
  change: 'added' | 'removed' | 'changed';
  /** For flags: what changes, the definition's fields and then each environment's ("<environment>.status"). */
  fields: FieldChange[];
}

export interface ImportResult {
  mode: 'merge' | 'replace';
  changes: ImportChange[];
  applied: boolean;
}

/** Where changes are announced (the audit entries whose action matches `events`). */
export interface Webhook {
  id: string;
  /** Only this project's changes; null for every project's. */
  projectId: number | null;
  url: string;
  events: string[];
  /** whsec_<base64>, Standard Webhooks' form. */
  secret: string;
  enabled: boolean;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One announcement to one webhook, and how its attempts went. Times are ms since the epoch. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  deadlineAt: number;
  lastStatus: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  lastResponse: string | null;
  createdAt: number;
  deliveredAt: number | null;
}
