import type { Webhook } from '../core/webhooks.js';
import type { Condition } from '../core/targeting.js';
import type {
  ApiKeyRow,
  EnvironmentRow,
  ExperimentRow,
  FlagConfigRow,
  FlagRow,
  ProjectRow,
  ScheduledChangeRow,
  SegmentRow,
  WebhookRow,
} from './prisma-tables.js';
import type { ApiKey, ApiKeyScope } from '../core/api-keys.js';
import type { Environment, ExperimentSettings, Project } from '../core/projects.js';
import type { Experiment, ExperimentStatus, Metric, MetricType, NewExperiment } from '../core/experiments.js';
import type {
  FlagConfig,
  FlagConfigChanges,
  FlagDefinition,
  FlagDefinitionChanges,
  FlagKind,
  FlagValueType,
  NewFlagConfig,
  NewFlagDefinition,
  Override,
  Prerequisite,
  Rule,
  VariantDefinition,
  VariantSplit,
} from '../core/flags.js';
import type { NewScheduledChange, ScheduledChange, ScheduledSettings } from '../core/schedules.js';
import type { NewSegment, Segment, SegmentChanges } from '../core/segments.js';

// The JSON columns' stored shapes: snake_case like the columns, basis points like rollout_bp.
interface StoredSplit {
  key: string;
  weight_bp: number;
}
interface StoredRule {
  segment: string | null;
  conditions: Condition[];
  rollout_bp: number;
  variants: StoredSplit[];
}
interface StoredOverride {
  user_id: string;
  enabled: boolean;
  variant: string | null;
}

/**
 * The one empty list every row without rules, overrides, prerequisites or variants shares: 30,000
 * flags' settings hold four lists each, and the snapshot never changes one in place (frozen, so
 * nothing can).
 */
const NONE: never[] = Object.freeze([]) as never[];

/** A list as JSON text, or null for an empty one (most flags have none). */
const encodeList = <T, S>(items: readonly T[], encode: (item: T) => S): string | null =>
  items.length === 0 ? null : JSON.stringify(items.map(encode));
const decodeList = <S, T>(text: string | null, decode: (stored: S) => T): T[] =>
  text === null ? NONE : (JSON.parse(text) as S[]).map(decode);

const encodeSplit = (v: VariantSplit): StoredSplit => ({ key: v.key, weight_bp: v.weightBasisPoints });
const decodeSplit = (v: StoredSplit): VariantSplit => ({ key: v.key, weightBasisPoints: v.weight_bp });
const encodeRule = (r: Rule): StoredRule => ({
  segment: r.segment,
  conditions: r.conditions,
  rollout_bp: r.rolloutBasisPoints,
  variants: r.variants.map(encodeSplit),
});
const decodeRule = (r: StoredRule): Rule => ({
  segment: r.segment,
  conditions: r.conditions,
  rolloutBasisPoints: r.rollout_bp,
  variants: r.variants.map(decodeSplit),
});
const encodeOverride = (o: Override): StoredOverride => ({ user_id: o.userId, enabled: o.enabled, variant: o.variant });
const decodeOverride = (o: StoredOverride): Override => ({ userId: o.user_id, enabled: o.enabled, variant: o.variant });
// Variant definitions and prerequisites are stored as they are: {key, payload} and {flag, variant}.
const asIs = <T>(item: T): T => item;

export const toProject = ({
  experimentSequential,
  experimentMinDays,
  experimentMinUsersPerVariant,
  ...row
}: ProjectRow): Project => ({
  ...row,
  experimentSettings: {
    sequential: experimentSequential,
    minDays: experimentMinDays,
    minUsersPerVariant: experimentMinUsersPerVariant,
  },
});

/** A project's experiment settings as its row's columns. */
export const projectSettingsColumns = ({ sequential, minDays, minUsersPerVariant }: ExperimentSettings) => ({
  experimentSequential: sequential,
  experimentMinDays: minDays,
  experimentMinUsersPerVariant: minUsersPerVariant,
});
export const toEnvironment = (row: EnvironmentRow): Environment => ({ ...row });

export const toFlagDefinition = (row: FlagRow): FlagDefinition => ({
  id: row.id,
  projectId: row.projectId,
  name: row.name,
  description: row.description,
  kind: row.kind as FlagKind,
  tags: decodeList(row.tags, asIs<string>),
  valueType: row.valueType as FlagValueType,
  // Stored before flags had types, a variant has no value: null, as boolean flags' variants have.
  variants: decodeList(row.variants, (v: VariantDefinition) => ({
    key: v.key,
    payload: v.payload,
    value: v.value ?? null,
  })),
  offVariant: row.offVariant,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export const toFlagDefinitionRow = (flag: NewFlagDefinition) => ({
  projectId: flag.projectId,
  name: flag.name,
  description: flag.description,
  kind: flag.kind,
  tags: encodeList(flag.tags, asIs),
  valueType: flag.valueType,
  variants: encodeList(flag.variants, asIs),
  offVariant: flag.offVariant,
});

export const toFlagDefinitionRowChanges = ({ tags, variants, ...changes }: FlagDefinitionChanges) => ({
  ...changes,
  ...(tags && { tags: encodeList(tags, asIs) }),
  ...(variants && { variants: encodeList(variants, asIs) }),
});

export const toFlagConfig = (row: FlagConfigRow): FlagConfig => ({
  id: row.id,
  flagId: row.flagId,
  environmentId: row.environmentId,
  status: row.status,
  rolloutBasisPoints: row.rolloutBasisPoints,
  weights: decodeList(row.weights, decodeSplit),
  rules: decodeList(row.rules, decodeRule),
  overrides: decodeList(row.overrides, decodeOverride),
  prerequisites: decodeList(row.prerequisites, asIs<Prerequisite>),
  version: row.version,
  updatedAt: row.updatedAt,
});

export const toFlagConfigRow = (config: NewFlagConfig) => ({
  flagId: config.flagId,
  environmentId: config.environmentId,
  ...toFlagConfigRowChanges(config),
});

export function toFlagConfigRowChanges({ weights, rules, overrides, prerequisites, ...changes }: FlagConfigChanges) {
  return {
    ...(changes.status !== undefined && { status: changes.status }),
    ...(changes.rolloutBasisPoints !== undefined && { rolloutBasisPoints: changes.rolloutBasisPoints }),
    ...(weights && { weights: encodeList(weights, encodeSplit) }),
    ...(rules && { rules: encodeList(rules, encodeRule) }),
    ...(overrides && { overrides: encodeList(overrides, encodeOverride) }),
    ...(prerequisites && { prerequisites: encodeList(prerequisites, asIs) }),
  };
}

export const toSegment = ({ conditions, userIds, ...row }: SegmentRow): Segment => ({
  ...row,
  conditions: JSON.parse(conditions) as Condition[],
  userIds: JSON.parse(userIds) as string[],
});

export const toSegmentRow = (segment: NewSegment) => ({
  ...segment,
  conditions: JSON.stringify(segment.conditions),
  userIds: JSON.stringify(segment.userIds),
});

export const toSegmentRowChanges = ({ conditions, userIds, ...changes }: SegmentChanges) => ({
  ...changes,
  ...(conditions && { conditions: JSON.stringify(conditions) }),
  ...(userIds && { userIds: JSON.stringify(userIds) }),
});

interface StoredSettings {
  status?: boolean;
  rollout_bp?: number;
}

export const toScheduledChange = ({ changes, ...row }: ScheduledChangeRow): ScheduledChange => {
  const stored = JSON.parse(changes) as StoredSettings;
  const settings: ScheduledSettings = {};
  if (stored.status !== undefined) settings.status = stored.status;
  if (stored.rollout_bp !== undefined) settings.rolloutBasisPoints = stored.rollout_bp;
  return { ...row, changes: settings };
};

export const toScheduledChangeRow = ({ changes, ...change }: NewScheduledChange) => ({
  ...change,
  changes: JSON.stringify({ status: changes.status, rollout_bp: changes.rolloutBasisPoints } satisfies StoredSettings),
});

interface StoredMetric {
  key: string;
  event: string;
  type: MetricType;
  window_hours: number | null;
  inverse: boolean;
}

const encodeMetric = (m: Metric): StoredMetric => ({
  key: m.key,
  event: m.event,
  type: m.type,
  window_hours: m.windowHours,
  inverse: m.inverse,
});
const decodeMetric = (m: StoredMetric): Metric => ({
  key: m.key,
  event: m.event,
  type: m.type,
  windowHours: m.window_hours,
  inverse: m.inverse,
});

export const toExperiment = (row: ExperimentRow): Experiment => ({
  ...row,
  metrics: (JSON.parse(row.metrics) as StoredMetric[]).map(decodeMetric),
  status: row.status as ExperimentStatus,
  startWeights: decodeList(row.startWeights, decodeSplit),
});

export const toExperimentRow = (experiment: NewExperiment) => ({
  ...experiment,
  metrics: JSON.stringify(experiment.metrics.map(encodeMetric)),
});

export const encodeWeights = (weights: readonly VariantSplit[]): string | null => encodeList(weights, encodeSplit);

export const toApiKey = (row: ApiKeyRow): ApiKey => ({ ...row, scope: row.scope as ApiKeyScope });

export const toWebhook = (row: WebhookRow): Webhook => ({ ...row, events: JSON.parse(row.events) as string[] });
