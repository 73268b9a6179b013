import type { Condition } from '../core/targeting.js';
import type {
  ExperimentRow,
  FlagRow,
  FlagRowData,
  ScheduledChangeRow,
  SegmentRow,
  SegmentRowData,
} from './prisma-tables.js';
import type {
  Experiment,
  ExperimentStatus,
  Metric,
  MetricType,
  NewExperiment,
  Flag,
  FlagChanges,
  JsonValue,
  NewFlag,
  NewScheduledChange,
  NewSegment,
  Override,
  Prerequisite,
  Rule,
  ScheduledChange,
  ScheduledSettings,
  Segment,
  SegmentChanges,
  Variant,
  VariantSplit,
} from '../core/model.js';

// The JSON columns' stored shapes: snake_case like the columns, basis points like rollout_bp.
interface StoredVariant {
  key: string;
  weight_bp: number;
  payload: JsonValue;
}
interface StoredRule {
  segment: string | null;
  conditions: Condition[];
  rollout_bp: number;
  variants: { key: string; weight_bp: number }[];
}
interface StoredOverride {
  user_id: string;
  enabled: boolean;
  variant: string | null;
}

/** A list as JSON text, or null for an empty one (most flags have none). */
const encodeList = <T, S>(items: readonly T[], encode: (item: T) => S): string | null =>
  items.length === 0 ? null : JSON.stringify(items.map(encode));
const decodeList = <S, T>(text: string | null, decode: (stored: S) => T): T[] =>
  text === null ? [] : (JSON.parse(text) as S[]).map(decode);

const encodeVariant = (v: Variant): StoredVariant => ({
  key: v.key,
  weight_bp: v.weightBasisPoints,
  payload: v.payload,
});
const decodeVariant = (v: StoredVariant): Variant => ({
  key: v.key,
  weightBasisPoints: v.weight_bp,
  payload: v.payload,
});
const encodeRule = (r: Rule): StoredRule => ({
  segment: r.segment,
  conditions: r.conditions,
  rollout_bp: r.rolloutBasisPoints,
  variants: r.variants.map((v) => ({ key: v.key, weight_bp: v.weightBasisPoints })),
});
const decodeRule = (r: StoredRule): Rule => ({
  segment: r.segment,
  conditions: r.conditions,
  rolloutBasisPoints: r.rollout_bp,
  variants: r.variants.map((v) => ({ key: v.key, weightBasisPoints: v.weight_bp })),
});
const encodeOverride = (o: Override): StoredOverride => ({ user_id: o.userId, enabled: o.enabled, variant: o.variant });
const decodeOverride = (o: StoredOverride): Override => ({ userId: o.user_id, enabled: o.enabled, variant: o.variant });

// Prerequisites are stored as they are: {flag, variant}.
const asIs = (p: Prerequisite): Prerequisite => p;

// Built field by field, not spread from the row: evaluation reads these objects thousands of times
// a request, and a literal gives every flag the same fast shape (spreading Prisma's rows measured a
// third slower for "all flags").
export const toFlag = (row: FlagRow): Flag => ({
  name: row.name,
  status: row.status,
  rolloutBasisPoints: row.rolloutBasisPoints,
  description: row.description,
  variants: decodeList(row.variants, decodeVariant),
  rules: decodeList(row.rules, decodeRule),
  overrides: decodeList(row.overrides, decodeOverride),
  prerequisites: decodeList(row.prerequisites, asIs),
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export const toFlagRow = (flag: NewFlag): FlagRowData => ({
  ...flag,
  variants: encodeList(flag.variants, encodeVariant),
  rules: encodeList(flag.rules, encodeRule),
  overrides: encodeList(flag.overrides, encodeOverride),
  prerequisites: encodeList(flag.prerequisites, asIs),
});

export function toFlagRowChanges({
  variants,
  rules,
  overrides,
  prerequisites,
  ...changes
}: FlagChanges): Partial<Omit<FlagRowData, 'name'>> {
  return {
    ...changes,
    ...(variants && { variants: encodeList(variants, encodeVariant) }),
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

export const toSegmentRow = (segment: NewSegment): SegmentRowData => ({
  ...segment,
  conditions: JSON.stringify(segment.conditions),
  userIds: JSON.stringify(segment.userIds),
});

export function toSegmentRowChanges({
  conditions,
  userIds,
  ...changes
}: SegmentChanges): Partial<Omit<SegmentRowData, 'name'>> {
  return {
    ...changes,
    ...(conditions && { conditions: JSON.stringify(conditions) }),
    ...(userIds && { userIds: JSON.stringify(userIds) }),
  };
}

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

export const toScheduledChangeRow = ({
  changes,
  ...change
}: NewScheduledChange): Omit<ScheduledChangeRow, 'createdAt' | 'appliedAt'> => ({
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
  startWeights: decodeList(row.startWeights, (v: { key: string; weight_bp: number }) => ({
    key: v.key,
    weightBasisPoints: v.weight_bp,
  })),
});

export const toExperimentRow = (
  experiment: NewExperiment,
): Omit<ExperimentRow, 'id' | 'status' | 'startWeights' | 'startedAt' | 'stoppedAt' | 'createdAt' | 'updatedAt'> => ({
  ...experiment,
  metrics: JSON.stringify(experiment.metrics.map(encodeMetric)),
});

export const encodeWeights = (weights: readonly VariantSplit[]): string | null =>
  encodeList(weights, (v) => ({ key: v.key, weight_bp: v.weightBasisPoints }));
