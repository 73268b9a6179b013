/** Experiments: their metrics, and the results the statistics core computes for them. Pure types. */
import type { VariantSplit } from './flags.js';
import type { ReportedComparison } from './statistics.js';

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

export type VerdictState = 'too_early' | 'srm' | 'no_difference' | 'winner' | 'loser';

/** What the results allow one to conclude (verdict.ts decides it). */
export interface Verdict {
  state: VerdictState;
  /** The variant that wins (winner) or loses against the control (loser). */
  variant?: string;
  /** One sentence a product manager can act on. */
  reason: string;
}

export interface ExperimentResults {
  experiment: Experiment;
  computedAt: Date;
  srm: { pValue: number | null; healthy: boolean | null };
  multipleExposures: number;
  warnings: string[];
  variants: VariantResult[];
  metrics: MetricResult[];
  verdict: Verdict;
}
