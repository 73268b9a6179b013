/**
 * The domain model: flags and their targeting, segments, scheduled changes, API keys and audit
 * entries, as the services and the evaluation core see them. Pure types: db/ maps rows to and from
 * them, schemas/ maps them to and from HTTP.
 */
import type { Comparison } from './statistics.js';
import type { Condition } from './targeting.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One arm of an A/B/n test. */
export interface Variant {
  key: string;
  /** Share of the users who get the flag, in basis points; a flag's variants add up to 10,000. */
  weightBasisPoints: number;
  /** Whatever the client needs for this arm (copy, colours, a config object). */
  payload: JsonValue;
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

export interface Flag {
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
  /** Empty for a plain on/off flag. */
  variants: Variant[];
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  createdAt: Date;
  updatedAt: Date;
}

export type NewFlag = Omit<Flag, 'createdAt' | 'updatedAt'>;

/** What a scheduled change sets on its flag. */
export interface ScheduledSettings {
  status?: boolean;
  rolloutBasisPoints?: number;
}

export interface ScheduledChange {
  id: string;
  flagName: string;
  at: Date;
  changes: ScheduledSettings;
  createdAt: Date;
  /** When an instance wrote it to the flag; null while pending. */
  appliedAt: Date | null;
}

export type NewScheduledChange = Omit<ScheduledChange, 'createdAt' | 'appliedAt'>;

export interface Segment {
  name: string;
  description: string | null;
  conditions: Condition[];
  userIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type NewSegment = Omit<Segment, 'createdAt' | 'updatedAt'>;
export type SegmentChanges = Partial<Omit<NewSegment, 'name'>>;

export type FlagChanges = Partial<Omit<NewFlag, 'name'>>;

export type ApiKeyScope = 'admin' | 'evaluate';

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
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

export type AuditTargetType = 'flag' | 'api_key' | 'segment' | 'experiment';

export type MetricType = 'binomial' | 'mean';

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
  updatedAt: Date;
}

export type NewExperiment = Pick<Experiment, 'key' | 'flagName' | 'control' | 'metrics' | 'hypothesis' | 'sequential'>;

export interface AuditEntry {
  id: number;
  at: Date;
  actor: Actor;
  action: string;
  targetType: AuditTargetType;
  target: string;
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
  /** The comparison with the control; absent for the control, null when it cannot be made yet. */
  relative?: Comparison | null;
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
