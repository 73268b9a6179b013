/**
 * What an experiment's results allow a person to conclude, decided once here so the API, the dashboard
 * and anyone reading the JSON say the same thing. Pure.
 *
 * In order: not started or below the project's minimums is "too early"; a broken split ("srm") makes
 * every comparison untrustworthy; then the first metric (the primary one) decides: a variant whose
 * 95% interval (sequential when the experiment is) lies wholly on the good side of the control wins,
 * one wholly on the bad side loses, anything else is "no difference".
 */
import type { Experiment, MetricResult, VariantResult, Verdict } from './experiments.js';
import type { ExperimentSettings } from './projects.js';
import type { ReportedComparison } from './statistics.js';

export interface VerdictInput {
  experiment: Pick<Experiment, 'control' | 'status' | 'startedAt' | 'stoppedAt'>;
  settings: Pick<ExperimentSettings, 'minDays' | 'minUsersPerVariant'>;
  computedAt: Date;
  /** Exposed users per variant with the flag's weights (percent). */
  variants: readonly VariantResult[];
  srm: { pValue: number | null; healthy: boolean | null };
  /** The first metric: the one the experiment is decided on. */
  primary: MetricResult;
}

const DAY_MS = 86_400_000;

const percent = (x: number) => `${(Math.abs(x) * 100).toFixed(1)}%`;
const pValue = (p: number | null) => (p === null ? '' : p < 0.001 ? ', p < 0.001' : `, p = ${p.toFixed(3)}`);
const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/** Days are floored to one decimal, so "6.9 of 7 days" never reads as done. */
const days = (ms: number) => Math.floor((ms / DAY_MS) * 10) / 10;

function tooEarly({ experiment, settings, computedAt, variants }: VerdictInput): string | null {
  if (experiment.status === 'draft' || experiment.startedAt === null) {
    return 'The experiment has not started: nobody is exposed yet';
  }
  const ran = (experiment.stoppedAt ?? computedAt).getTime() - experiment.startedAt.getTime();
  const short: string[] = [];
  if (ran < settings.minDays * DAY_MS) {
    short.push(`it has run ${days(ran)} of the ${plural(settings.minDays, 'day', 'days')} the project asks for`);
  }
  const few = variants.filter((v) => v.weight > 0 && v.users < settings.minUsersPerVariant);
  if (few.length > 0) {
    const listed = few.map((v) => `"${v.key}" has ${count(v.users)}`).join(', ');
    short.push(`${listed} of the ${count(settings.minUsersPerVariant)} users each variant needs`);
  }
  return short.length === 0 ? null : `Too early to call: ${short.join('; ')}`;
}

/** +1 when the variant is better than the control beyond chance, −1 when worse, 0 otherwise. */
function direction(relative: ReportedComparison | null | undefined, inverse: boolean): -1 | 0 | 1 {
  const ci = relative?.frequentist.ci;
  if (!ci) return 0;
  const side = ci[0] > 0 ? 1 : ci[1] < 0 ? -1 : 0;
  return (inverse ? -side : side) as -1 | 0 | 1;
}

function effect(key: string, relative: ReportedComparison, metric: string, control: string): string {
  const [low, high] = relative.frequentist.ci!;
  const estimate = relative.estimate ?? (low + high) / 2;
  const moved = estimate >= 0 ? 'raises' : 'lowers';
  return (
    `"${key}" ${moved} ${metric} by ${percent(estimate)} against "${control}" ` +
    `(95% interval ${(low * 100).toFixed(1)}% to ${(high * 100).toFixed(1)}%${pValue(relative.frequentist.pValue)})`
  );
}

export function experimentVerdict(input: VerdictInput): Verdict {
  const { experiment, srm, primary } = input;
  if (srm.healthy === false) {
    const split = input.variants.map((v) => `"${v.key}" ${count(v.users)} at ${v.weight}%`).join(', ');
    return {
      state: 'srm',
      reason:
        `The users' split (${split}) is too unlikely under the flag's weights to be chance${pValue(srm.pValue)}: ` +
        'something assigns or records users unevenly, so no comparison can be trusted until it is fixed',
    };
  }
  const early = tooEarly(input);
  if (early !== null) return { state: 'too_early', reason: early };

  const metric = primary.metric;
  // The best first: the largest uplift in the metric's good direction.
  const sign = metric.inverse ? -1 : 1;
  const compared = primary.variants
    .filter((v) => v.key !== experiment.control && v.relative)
    .map((v) => ({ key: v.key, relative: v.relative!, side: direction(v.relative, metric.inverse) }))
    .sort((a, b) => sign * ((b.relative.estimate ?? 0) - (a.relative.estimate ?? 0)));
  const winner = compared.find((v) => v.side === 1);
  if (winner) {
    return {
      state: 'winner',
      variant: winner.key,
      reason: effect(winner.key, winner.relative, metric.key, experiment.control),
    };
  }
  const loser = compared.reverse().find((v) => v.side === -1);
  if (loser) {
    return {
      state: 'loser',
      variant: loser.key,
      reason: `${effect(loser.key, loser.relative, metric.key, experiment.control)}: keep "${experiment.control}"`,
    };
  }
  if (compared.length === 0) {
    return {
      state: 'no_difference',
      reason: `No variant can be compared with "${experiment.control}" on ${metric.key} yet: the data has no variation`,
    };
  }
  return {
    state: 'no_difference',
    reason:
      `No variant differs from "${experiment.control}" on ${metric.key} beyond chance: ` +
      'every 95% interval of the uplift includes zero',
  };
}
