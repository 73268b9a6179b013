import { z } from 'zod';
import type { CreateExperiment } from '../../core/commands.js';
import type { Experiment, ExperimentResults } from '../../core/experiments.js';
import type { ReportedComparison } from '../../core/statistics.js';
import { checkUnique, flagNameSchema, storableText, versionSchema } from '../../http/common-schemas.js';

const keySchema = flagNameSchema
  .describe('Unique key: 1–100 letters, digits, "_", "-" or ".", starting with a letter or digit')
  .meta({ example: 'checkout_test' });

export const experimentParamsSchema = z.object({ key: keySchema });

const metricSchema = z.strictObject({
  key: keySchema.describe('Names the metric in the results').meta({ example: 'purchase' }),
  event: z.string().min(1).max(200).describe('The tracked event it counts (POST /events, type "track")'),
  type: z
    .enum(['binomial', 'mean'])
    .describe(
      'binomial: the share of exposed users who did the event at least once after their first exposure; mean: ' +
        "the average per user of the sum of the event's values after exposure (0 for users without one)",
    ),
  window_hours: z
    .number()
    .positive()
    .max(8760)
    .nullable()
    .default(null)
    .describe('Only events within this many hours of the exposure count; null: any time until the experiment stops'),
  inverse: z.boolean().default(false).describe('Lower is better (errors, latency): chance to win turns around'),
});

const createExperimentBody = z
  .strictObject({
    key: keySchema,
    flag_name: flagNameSchema.describe('A flag with at least two variants'),
    control: z.string().min(1).max(100).describe('The variant the others are compared with'),
    metrics: z
      .array(metricSchema)
      .min(1)
      .max(20)
      .superRefine((metrics, context) => checkUnique(metrics, 'key', 'metric', context)),
    hypothesis: storableText(z.string().max(2000)).nullable().default(null),
    sequential: z
      .boolean()
      .optional()
      .describe(
        'Sequential testing: intervals and p-values stay valid however often the results are read. When left ' +
          "out, as the project's experiment_settings say (on unless changed)",
      ),
  })
  .meta({
    id: 'CreateExperiment',
    example: {
      key: 'checkout_test',
      flag_name: 'new_checkout',
      control: 'control',
      metrics: [
        { key: 'purchase', event: 'purchase', type: 'binomial' },
        { key: 'revenue', event: 'purchase', type: 'mean', window_hours: 72 },
      ],
      hypothesis: 'The one-page checkout sells more',
    },
  });

/** An experiment as the core holds it (in the environment the request addresses). */
export const createExperimentBodySchema = z.codec(createExperimentBody, z.custom<CreateExperiment['payload']>(), {
  decode: ({ flag_name, metrics, sequential, ...fields }) => ({
    ...fields,
    sequential: sequential ?? null,
    flagName: flag_name,
    metrics: metrics.map(({ window_hours, ...metric }) => ({ ...metric, windowHours: window_hours })),
  }),
  encode: ({ flagName, metrics, sequential, ...fields }) => ({
    ...fields,
    ...(sequential !== null && { sequential }),
    flag_name: flagName,
    metrics: metrics.map(({ windowHours, ...metric }) => ({ ...metric, window_hours: windowHours })),
  }),
});

export const experimentSchema = z
  .object({
    key: z.string(),
    flag_name: z.string(),
    control: z.string(),
    metrics: z.array(
      z.object({
        key: z.string(),
        event: z.string(),
        type: z.enum(['binomial', 'mean']),
        window_hours: z.number().nullable(),
        inverse: z.boolean(),
      }),
    ),
    hypothesis: z.string().nullable(),
    sequential: z.boolean(),
    status: z.enum(['draft', 'running', 'stopped']),
    started_at: z.string().nullable().describe('ISO 8601, UTC'),
    stopped_at: z.string().nullable().describe('ISO 8601, UTC'),
    version: versionSchema,
    created_at: z.string().describe('ISO 8601, UTC'),
    updated_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({ id: 'Experiment' });

export function toExperimentResponse(experiment: Experiment): z.infer<typeof experimentSchema> {
  return {
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
    started_at: experiment.startedAt?.toISOString() ?? null,
    stopped_at: experiment.stoppedAt?.toISOString() ?? null,
    version: experiment.version,
    created_at: experiment.createdAt.toISOString(),
    updated_at: experiment.updatedAt.toISOString(),
  };
}

export const exposureExportQuerySchema = z.strictObject({
  after: storableText(z.string().min(1).max(256))
    .optional()
    .describe('Resume after this user_id (the last one received)'),
});

export const resultsQuerySchema = z.strictObject({
  series: z.enum(['daily']).optional().describe('"daily" adds cumulative daily points per variant and metric'),
});

const interval = z.tuple([z.number(), z.number()]);

const uncomputed = " (null when it cannot be computed from the data: see the metric's warnings)";

const relativeSchema = z
  .object({
    estimate: z
      .number()
      .nullable()
      .describe("Relative uplift over the control's mean: (variant − control) / |control|" + uncomputed),
    frequentist: z.object({
      p_value: z
        .number()
        .nullable()
        .describe('Two-sided Welch t-test (sequential when the experiment is)' + uncomputed),
      ci: interval.nullable().describe('95% confidence interval of the relative uplift' + uncomputed),
    }),
    bayesian: z.object({
      chance_to_win: z
        .number()
        .nullable()
        .describe('Probability the variant beats the control (flat prior)' + uncomputed),
      ci: interval.nullable().describe('95% credible interval of the relative uplift' + uncomputed),
      risk: interval
        .nullable()
        .describe('Expected relative loss of choosing the control, and of choosing this variant' + uncomputed),
    }),
  })
  .nullable()
  .describe('Null until both sides have variance and the control a non-zero mean');

const metricVariantSchema = z.object({
  key: z.string(),
  users: z.number().int(),
  conversions: z.number().int().optional().describe('binomial: users who did the event'),
  rate: z.number().optional().describe('binomial: conversions / users'),
  sum: z.number().optional().describe("mean: the sum of the users' values"),
  mean: z.number().optional().describe('mean: sum / users'),
  stddev: z.number().optional().describe("mean: the sample standard deviation of the users' values"),
  interval: interval.describe("95% confidence interval of the variant's rate (binomial) or mean"),
  relative: relativeSchema.optional().describe('Absent for the control'),
});

const pointSchema = z.object({
  date: z.string().describe('UTC day, YYYY-MM-DD; totals up to its end'),
  users: z.number().int(),
  conversions: z.number().int().optional(),
  rate: z.number().optional(),
  sum: z.number().optional(),
  mean: z.number().optional(),
});

const verdictSchema = z
  .object({
    state: z
      .enum(['too_early', 'srm', 'no_difference', 'winner', 'loser'])
      .describe(
        "too_early: not started, or below the project's minimum days or users per variant; srm: the users' split " +
          'is broken, distrust every comparison; then on the first metric: winner, a variant better than the ' +
          'control beyond chance (its 95% interval, sequential when the experiment is, excludes zero); loser, ' +
          'worse beyond chance; no_difference, neither',
      ),
    variant: z.string().optional().describe('winner: the best variant; loser: the worst'),
    reason: z.string().describe('One sentence that says why, with the numbers'),
  })
  .meta({ id: 'ExperimentVerdict' });

export const resultsSchema = z
  .object({
    experiment: z.string(),
    flag_name: z.string(),
    status: z.enum(['draft', 'running', 'stopped']),
    started_at: z.string().nullable(),
    computed_at: z.string(),
    srm: z
      .object({
        p_value: z.number().nullable(),
        healthy: z.boolean().nullable().describe('false when p < 0.001: the split is broken, distrust the results'),
      })
      .describe('Sample-ratio mismatch check, once every weighted variant has 8 users'),
    multiple_exposures: z.number().int().describe('Users seen in more than one variant; counted in their first'),
    warnings: z.array(z.string()),
    variants: z.array(z.object({ key: z.string(), weight: z.number(), users: z.number().int() })),
    metrics: z.array(
      z.object({
        metric: z.string(),
        type: z.enum(['binomial', 'mean']),
        variants: z.array(metricVariantSchema),
        warnings: z.array(z.string()).describe('Why a statistic of this metric is null'),
        series: z.array(z.object({ key: z.string(), points: z.array(pointSchema) })).optional(),
      }),
    ),
    verdict: verdictSchema.describe('What the results allow one to conclude, decided by the service'),
  })
  .meta({ id: 'ExperimentResults' });

type ResultsResponse = z.infer<typeof resultsSchema>;

const toRelative = (comparison: ReportedComparison | null) =>
  comparison && {
    estimate: comparison.estimate,
    frequentist: { p_value: comparison.frequentist.pValue, ci: comparison.frequentist.ci },
    bayesian: {
      chance_to_win: comparison.bayesian.chanceToWin,
      ci: comparison.bayesian.ci,
      risk: comparison.bayesian.risk,
    },
  };

export function toResultsResponse(results: ExperimentResults): ResultsResponse {
  const { experiment } = results;
  return {
    experiment: experiment.key,
    flag_name: experiment.flagName,
    status: experiment.status,
    started_at: experiment.startedAt?.toISOString() ?? null,
    computed_at: results.computedAt.toISOString(),
    srm: { p_value: results.srm.pValue, healthy: results.srm.healthy },
    multiple_exposures: results.multipleExposures,
    warnings: results.warnings,
    variants: results.variants,
    metrics: results.metrics.map(({ metric, variants, warnings, series }) => {
      const binomial = metric.type === 'binomial';
      return {
        metric: metric.key,
        type: metric.type,
        variants: variants.map((v) => ({
          key: v.key,
          users: v.users,
          ...(binomial ? { conversions: v.conversions, rate: v.rate } : { sum: v.sum, mean: v.mean, stddev: v.stddev }),
          interval: v.interval,
          ...(v.relative === undefined ? {} : { relative: toRelative(v.relative) }),
        })),
        warnings,
        ...(series && {
          series: series.map(({ key, points }) => ({
            key,
            points: points.map((p) => ({
              date: p.date,
              users: p.users,
              ...(binomial
                ? { conversions: p.conversions, rate: p.users === 0 ? 0 : p.conversions / p.users }
                : { sum: p.sum, mean: p.users === 0 ? 0 : p.sum / p.users }),
            })),
          })),
        }),
      };
    }),
    verdict: results.verdict,
  };
}
