import {
  type Actor,
  type AuditAction,
  type DailyPoint,
  type Experiment,
  type ExperimentResults,
  type Flag,
  flagOf,
  type Metric,
  type MetricResult,
  type MetricVariantResult,
  type NewExperiment,
  type VariantSplit,
} from '../core/model.js';
import { basisPointsToPercentage } from '../core/rollout.js';
import {
  compare,
  DEFAULT_SEQUENTIAL_TUNING,
  type Sample,
  sampleRatioMismatchPValue,
  meanInterval,
  reportComparison,
  sampleVariance,
  uncomputedWarnings,
} from '../core/statistics.js';
import type {
  ConfigWrite,
  DailyMetricTotals,
  ExperimentData,
  ExportedExposure,
  MetricTotals,
} from '../db/repositories.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { auditRecords } from './audit-records.js';
import type { Clock } from './clock.js';
import type { EnvironmentView } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';

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

const experimentNotFound = (key: string) => new NotFoundError(`Experiment "${key}" not found`);

/**
 * Experiments on a flag's variants in one environment: writes go to the database, then into the
 * snapshot (which tells every evaluation whether to record an exposure); results are aggregated by
 * the database and read with the pure statistics core.
 */
export class ExperimentService {
  constructor(
    private readonly writer: ConfigWriter,
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

  async create(view: EnvironmentView, experiment: Omit<NewExperiment, 'environmentId'>, actor: Actor) {
    const flag = view.find(experiment.flagName);
    if (!flag) throw new ValidationError('flag_name', `flag "${experiment.flagName}" not found`);
    checkVariants(flag, experiment.control);
    return this.writer.write(
      async (write) => {
        const created = await write.createExperiment({ ...experiment, environmentId: view.environment.id });
        await this.audit(write, view, actor, 'experiment.created', null, created);
        return created;
      },
      { conflict: `An experiment with the key "${experiment.key}" already exists` },
    );
  }

  /** Checked again inside the write, against what is committed: two starts on one flag cannot both win. */
  async start(view: EnvironmentView, key: string, actor: Actor): Promise<Experiment> {
    const { project, environment } = view;
    return this.writer.write(async (write) => {
      const experiment = await write.experiment(environment.id, key);
      if (!experiment) throw experimentNotFound(key);
      if (experiment.status !== 'draft') throw new ConflictError(`Experiment "${key}" is ${experiment.status}`);
      const definition = await write.flag(project.id, experiment.flagName);
      const config =
        definition && (await write.configsOfFlag(definition.id)).find((c) => c.environmentId === environment.id);
      if (!definition || !config) throw new ConflictError(`Flag "${experiment.flagName}" no longer exists`);
      const flag = flagOf(definition, config);
      checkVariants(flag, experiment.control);
      const running = (await write.experimentsOfFlag(environment.id, flag.name)).find(
        (other) => other.key !== key && other.status === 'running',
      );
      if (running) {
        throw new ConflictError(
          `Flag "${flag.name}" already runs experiment "${running.key}"; stop it first (one experiment per flag)`,
        );
      }
      const started = await write.updateExperiment(experiment.id, {
        status: 'running',
        startWeights: flag.variants,
        startedAt: write.at,
      });
      await this.audit(write, view, actor, 'experiment.started', experiment, started);
      return started;
    });
  }

  async stop(view: EnvironmentView, key: string, actor: Actor): Promise<Experiment> {
    return this.writer.write(async (write) => {
      const experiment = await write.experiment(view.environment.id, key);
      if (!experiment) throw experimentNotFound(key);
      if (experiment.status !== 'running') throw new ConflictError(`Experiment "${key}" is ${experiment.status}`);
      const stopped = await write.updateExperiment(experiment.id, { status: 'stopped', stoppedAt: write.at });
      await this.audit(write, view, actor, 'experiment.stopped', experiment, stopped);
      return stopped;
    });
  }

  private audit(
    write: ConfigWrite,
    { project, environment }: EnvironmentView,
    actor: Actor,
    action: AuditAction,
    before: Experiment | null,
    after: Experiment,
  ) {
    return write.audit({
      actor,
      action,
      targetType: 'experiment',
      target: after.key,
      project: project.key,
      environment: environment.key,
      before: before && auditRecords.experiment(before),
      after: auditRecords.experiment(after),
    });
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
    return {
      experiment,
      computedAt,
      srm: { pValue: srmP, healthy: srmP === null ? null : srmP >= SRM_THRESHOLD },
      multipleExposures: exposures.reduce((sum, e) => sum + e.multiple, 0),
      warnings,
      variants,
      metrics,
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
function checkVariants(flag: Flag, control: string): void {
  if (flag.variants.length < 2) {
    throw new ValidationError('flag_name', `flag "${flag.name}" needs at least two variants to run an experiment`);
  }
  if (!flag.variants.some((v) => v.key === control)) {
    const known = flag.variants.map((v) => `"${v.key}"`).join(', ');
    throw new ValidationError('control', `"${control}" is not a variant of flag "${flag.name}" (${known})`);
  }
}

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
