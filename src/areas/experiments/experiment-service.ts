import {
  type DailyPoint,
  type Experiment,
  type ExperimentResults,
  type Metric,
  type MetricResult,
  type MetricVariantResult,
} from '../../core/experiments.js';
import { type VariantSplit } from '../../core/flags.js';
import { basisPointsToPercentage } from '../../core/rollout.js';
import {
  compare,
  DEFAULT_SEQUENTIAL_TUNING,
  type Sample,
  sampleRatioMismatchPValue,
  meanInterval,
  reportComparison,
  sampleVariance,
  uncomputedWarnings,
} from '../../core/statistics.js';
import { experimentVerdict } from '../../core/verdict.js';
import type { DailyMetricTotals, ExperimentData, ExportedExposure, MetricTotals } from './experiment-store.js';
import type { Clock } from '../../support/clock.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import { experimentNotFound } from './experiment-commands.js';

const ALPHA = 0.05;
/** gbstats' threshold: below it the split is too unlikely to be chance. */
const SRM_THRESHOLD = 0.001;
/** Fewer users than this in a variant and the SRM check says nothing yet. */
const SRM_MIN_USERS_PER_VARIANT = 8;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Rows per database read when exporting. */
export const EXPORT_PAGE_ROWS = 5000;

const sameWeights = (a: readonly VariantSplit[], b: readonly VariantSplit[]) =>
  a.length === b.length && a.every((v, i) => v.key === b[i].key && v.weightBasisPoints === b[i].weightBasisPoints);

const isoDate = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Experiments on a flag's variants in one environment, as the snapshot holds them (which tells every
 * evaluation whether to record an exposure); they change through commands (experiment-commands.ts).
 * Results are aggregated by the database and read with the pure statistics core.
 */
export class ExperimentService {
  constructor(
    private readonly data: ExperimentData,
    private readonly clock: Clock,
  ) {}

  list(view: EnvironmentView): Experiment[] {
    return view.allExperiments();
  }

  get(view: EnvironmentView, key: string): Experiment {
    const experiment = view.experiment(key);
    if (!experiment) throw experimentNotFound(key);
    return experiment;
  }

  async results(view: EnvironmentView, key: string, { series }: { series: boolean }): Promise<ExperimentResults> {
    const experiment = this.get(view, key);
    const computedAt = new Date(this.clock.now());
    const flag = view.find(experiment.flagName);
    // The weights evaluation uses now; the ones recorded at the start when the flag is gone.
    const weights: VariantSplit[] = flag ? flag.variants : experiment.startWeights;
    const warnings: string[] = [];
    if (flag && experiment.startedAt && !sameWeights(weights, experiment.startWeights)) {
      warnings.push(
        "The flag's variant weights changed while the experiment ran; the sample-ratio check uses the current ones",
      );
    }
    const exposures = await this.data.exposures(experiment.id);
    const usersOf = new Map(exposures.map((e) => [e.variant, e.users]));
    const keys = [...new Set([...weights.map((w) => w.key), ...exposures.map((e) => e.variant)])];
    const weightOf = new Map(weights.map((w) => [w.key, w.weightBasisPoints]));
    const variants = keys.map((k) => ({
      key: k,
      weight: basisPointsToPercentage(weightOf.get(k) ?? 0),
      users: usersOf.get(k) ?? 0,
    }));

    const weighted = variants.filter((v) => (weightOf.get(v.key) ?? 0) > 0);
    const enoughForSrm = weighted.length > 1 && weighted.every((v) => v.users >= SRM_MIN_USERS_PER_VARIANT);
    const srmP = enoughForSrm
      ? sampleRatioMismatchPValue(
          weighted.map((v) => v.users),
          weighted.map((v) => v.weight),
        )
      : null;
    if (experiment.status === 'draft') warnings.push('The experiment has not started: nobody is exposed yet');

    const untilMs = experiment.stoppedAt?.getTime() ?? null;
    const metrics = await Promise.all(
      experiment.metrics.map(async (metric) => {
        const query = {
          experimentId: experiment.id,
          environmentId: experiment.environmentId,
          event: metric.event,
          windowMs: metric.windowHours === null ? null : metric.windowHours * HOUR_MS,
          untilMs,
        };
        const [totals, daily] = await Promise.all([
          this.data.metricTotals(query),
          series ? this.data.dailyTotals(query) : Promise.resolve(undefined),
        ]);
        const variants = this.compareVariants(experiment, metric, keys, usersOf, totals);
        const result: MetricResult = { metric, variants, warnings: uncomputedWarnings(variants) };
        if (daily) result.series = cumulativeSeries(keys, daily, experiment, computedAt);
        return result;
      }),
    );
    const srm = { pValue: srmP, healthy: srmP === null ? null : srmP >= SRM_THRESHOLD };
    return {
      experiment,
      computedAt,
      srm,
      multipleExposures: exposures.reduce((sum, e) => sum + e.multiple, 0),
      warnings,
      variants,
      metrics,
      verdict: experimentVerdict({
        experiment,
        settings: view.project.experimentSettings,
        computedAt,
        variants,
        srm,
        primary: metrics[0],
      }),
    };
  }

  /**
   * Every exposure of the experiment after `afterUserId`, in user id order, read a page at a time so
   * an export of any size holds one page in memory.
   */
  async *exposures(view: EnvironmentView, key: string, afterUserId: string | null): AsyncGenerator<ExportedExposure> {
    const { id } = this.get(view, key);
    for (let after = afterUserId; ;) {
      const page = await this.data.exposurePage(id, after, EXPORT_PAGE_ROWS);
      yield* page;
      if (page.length < EXPORT_PAGE_ROWS) return;
      after = page[page.length - 1].userId;
    }
  }

  private compareVariants(
    experiment: Experiment,
    metric: Metric,
    keys: string[],
    usersOf: ReadonlyMap<string, number>,
    totals: MetricTotals[],
  ): MetricVariantResult[] {
    const byVariant = new Map(totals.map((t) => [t.variant, t]));
    const sampleOf = (key: string): Sample => {
      const n = usersOf.get(key) ?? 0;
      const t = byVariant.get(key);
      return metric.type === 'binomial'
        ? { n, sum: t?.conversions ?? 0 }
        : { n, sum: t?.sum ?? 0, sumSquares: t?.sumSquares ?? 0 };
    };
    const control = sampleOf(experiment.control);
    const options = {
      alpha: ALPHA,
      inverse: metric.inverse,
      sequentialTuning: experiment.sequential ? DEFAULT_SEQUENTIAL_TUNING : undefined,
    };
    return keys.map((key) => {
      const t = byVariant.get(key);
      const users = usersOf.get(key) ?? 0;
      const sample = sampleOf(key);
      const result: MetricVariantResult = {
        key,
        users,
        conversions: t?.conversions ?? 0,
        rate: users === 0 ? 0 : (t?.conversions ?? 0) / users,
        sum: t?.sum ?? 0,
        mean: users === 0 ? 0 : (t?.sum ?? 0) / users,
        stddev: metric.type === 'mean' ? Math.sqrt(Math.max(sampleVariance(sample), 0)) : 0,
        interval: meanInterval(sample, ALPHA),
      };
      if (key !== experiment.control) {
        const comparison = compare(control, sample, options);
        result.relative = comparison && reportComparison(comparison);
      }
      return result;
    });
  }
}

/** A flag an experiment can run on: with variants, the control among them. */
/** Running totals per day from the start's day to the last day with data or today (the stop's day once stopped). */
function cumulativeSeries(
  keys: string[],
  daily: DailyMetricTotals[],
  experiment: Experiment,
  computedAt: Date,
): { key: string; points: DailyPoint[] }[] {
  const firstDay = Math.floor((experiment.startedAt ?? computedAt).getTime() / DAY_MS);
  const lastDay = Math.floor((experiment.stoppedAt ?? computedAt).getTime() / DAY_MS);
  return keys.map((key) => {
    const rows = daily.filter((d) => d.variant === key);
    const points: DailyPoint[] = [];
    let users = 0;
    let conversions = 0;
    let sum = 0;
    for (let day = Math.min(firstDay, rows[0]?.day ?? firstDay); day <= lastDay; day++) {
      for (const row of rows) {
        if (row.day !== day) continue;
        users += row.exposed;
        conversions += row.converted;
        sum += row.sum;
      }
      points.push({ date: isoDate(day), users, conversions, sum });
    }
    return { key, points };
  });
}
