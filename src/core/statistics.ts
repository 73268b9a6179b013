/**
 * Experiment statistics as GrowthBook's gbstats computes them (packages/stats in growthbook/growthbook):
 * the relative uplift of a treatment over the control with its delta-method standard error, read
 * three ways — a two-sided Welch t-test, optionally sequential (Waudby-Smith et al.'s always-valid
 * interval, so a team may look every day), and a Bayesian normal posterior under gbstats' default flat
 * prior — plus the chi-squared sample-ratio-mismatch check. test/core/statistics.test.ts reproduces
 * gbstats' own unit-test cases. Distributions come from stdlib, ports of Cephes and Boost.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** A binomial metric: `sum` of the `n` users converted. */
export interface ProportionSample {
  n: number;
  sum: number;
}

/** A mean metric over `n` users: the sum of their per-user values and of those values squared. */
export interface MeanSample {
  n: number;
  sum: number;
  sumSquares: number;
}

export type Sample = ProportionSample | MeanSample;

export interface AnalysisOptions {
  /** 0.05 for 95% intervals. */
  alpha: number;
  /** Lower is better (a metric such as errors or latency): the chance to win and the risks turn around. */
  inverse: boolean;
  /** Sequential testing with this tuning parameter (gbstats' default is 5,000), else a fixed-horizon test. */
  sequentialTuning?: number;
}

export interface Comparison {
  /** Relative uplift of the treatment's mean over the control's: (treatment − control) / |control|. */
  estimate: number;
  standardError: number;
  frequentist: { pValue: number; ci: [number, number] };
  bayesian: { chanceToWin: number; ci: [number, number]; risk: [number, number] };
}

/**
 * A comparison as results report it: each statistic that is not a finite number (an overflow, or a
 * control mean so near zero that the relative uplift is unbounded) is null, never an answer.
 */
export interface ReportedComparison {
  estimate: number | null;
  frequentist: { pValue: number | null; ci: [number, number] | null };
  bayesian: { chanceToWin: number | null; ci: [number, number] | null; risk: [number, number] | null };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const finitePair = (pair: [number, number]): [number, number] | null =>
  Number.isFinite(pair[0]) && Number.isFinite(pair[1]) ? pair : null;

export function reportComparison({ estimate, frequentist, bayesian }: Comparison): ReportedComparison {
  return {
    estimate: finite(estimate),
    frequentist: { pValue: finite(frequentist.pValue), ci: finitePair(frequentist.ci) },
    bayesian: {
      chanceToWin: finite(bayesian.chanceToWin),
      ci: finitePair(bayesian.ci),
      risk: finitePair(bayesian.risk),
    },
  };
}

/** The paths (as the API spells them) of a reported comparison's statistics that could not be computed. */
function uncomputedStatistics({ estimate, frequentist, bayesian }: ReportedComparison): string[] {
  return Object.entries({
    estimate,
    'frequentist.p_value': frequentist.pValue,
    'frequentist.ci': frequentist.ci,
    'bayesian.chance_to_win': bayesian.chanceToWin,
    'bayesian.ci': bayesian.ci,
    'bayesian.risk': bayesian.risk,
  })
    .filter(([, value]) => value === null)
    .map(([name]) => name);
}

/** One line per variant whose comparison holds a statistic that could not be computed (it is null). */
export function uncomputedWarnings(
  variants: readonly { key: string; relative?: ReportedComparison | null }[],
): string[] {
  return variants.flatMap(({ key, relative }) => {
    const missing = relative ? uncomputedStatistics(relative) : [];
    if (missing.length === 0) return [];
    return [
      `Variant "${key}": ${missing.join(', ')} cannot be computed in double precision from these values ` +
        '(too large, or a control mean too close to zero), so they are null',
    ];
  });
}

export const DEFAULT_SEQUENTIAL_TUNING = 5000;

const isMean = (sample: Sample): sample is MeanSample => 'sumSquares' in sample;

export const sampleMean = (sample: Sample): number => (sample.n === 0 ? 0 : sample.sum / sample.n);

export function sampleVariance(sample: Sample): number {
  if (!isMean(sample)) {
    const p = sampleMean(sample);
    return p * (1 - p);
  }
  if (sample.n <= 1) return 0;
  return (sample.sumSquares - sample.sum ** 2 / sample.n) / (sample.n - 1);
}

/**
 * The interval of one variant's own mean (a conversion rate, or a mean value): the normal
 * approximation, mean ± z(1 − alpha/2) × √(variance / n); a rate's is kept within 0 and 1. With
 * fewer than two users there is no spread to measure: the interval is the mean itself.
 */
export function meanInterval(sample: Sample, alpha: number): [number, number] {
  const mean = sampleMean(sample);
  if (sample.n < 2) return [mean, mean];
  const halfWidth = normalQuantile(1 - alpha / 2, 0, 1) * Math.sqrt(Math.max(sampleVariance(sample), 0) / sample.n);
  if (isMean(sample)) return [mean - halfWidth, mean + halfWidth];
  return [Math.max(0, mean - halfWidth), Math.min(1, mean + halfWidth)];
}

// gbstats' variance_of_ratios for M / D with independent M and D.
const varianceOfRatio = (meanM: number, varM: number, meanD: number, varD: number) =>
  varM / meanD ** 2 + (varD * meanM ** 2) / meanD ** 4;

/**
 * The treatment against the control, or null when gbstats declines to compare them: a variance of zero
 * on either side (no users, one user, everyone or no one converted) or a control mean of zero.
 */
export function compare(control: Sample, treatment: Sample, options: AnalysisOptions): Comparison | null {
  const [meanA, meanB] = [sampleMean(control), sampleMean(treatment)];
  const [varA, varB] = [sampleVariance(control), sampleVariance(treatment)];
  if (varA <= 0 || varB <= 0 || meanA === 0) return null;
  const variance = varianceOfRatio(meanB, varB / treatment.n, meanA, varA / control.n);
  if (variance <= 0) return null;
  const estimate = (meanB - meanA) / Math.abs(meanA);
  const standardError = Math.sqrt(variance);
  const n = control.n + treatment.n;
  return {
    estimate,
    standardError,
    frequentist:
      options.sequentialTuning === undefined
        ? welchTTest(estimate, standardError, welchDegreesOfFreedom(varA, control.n, varB, treatment.n), options.alpha)
        : sequentialTest(estimate, standardError, n, options.alpha, options.sequentialTuning),
    bayesian: flatPriorPosterior(estimate, standardError, options),
  };
}

// Welch–Satterthwaite, from the metric's own variances as gbstats takes them.
function welchDegreesOfFreedom(varA: number, nA: number, varB: number, nB: number): number {
  return (varB / nB + varA / nA) ** 2 / (varB ** 2 / (nB ** 2 * (nB - 1)) + varA ** 2 / (nA ** 2 * (nA - 1)));
}

function welchTTest(estimate: number, standardError: number, dof: number, alpha: number) {
  const halfWidth = tQuantile(1 - alpha / 2, dof) * standardError;
  return {
    pValue: 2 * (1 - tCdf(Math.abs(estimate / standardError), dof)),
    ci: [estimate - halfWidth, estimate + halfWidth] as [number, number],
  };
}

// Equations 9, 155 and 161 of Waudby-Smith et al., arXiv:2103.06476v7, as gbstats' SequentialTwoSidedTTest.
function sequentialTest(estimate: number, standardError: number, n: number, alpha: number, tuning: number) {
  const rho = Math.sqrt((-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning);
  const s2 = standardError ** 2 * n;
  const nRho2 = n * rho ** 2;
  const halfWidth =
    Math.sqrt(s2) * Math.sqrt((2 * (nRho2 + 1) * Math.log(Math.sqrt(nRho2 + 1) / alpha)) / (n * rho) ** 2);
  const st2 = (estimate ** 2 * n) / standardError ** 2;
  const eValue = Math.exp((rho ** 2 * st2) / (2 * (nRho2 + 1))) / Math.sqrt(nRho2 + 1);
  return {
    pValue: Math.min(1 / eValue, 1),
    ci: [estimate - halfWidth, estimate + halfWidth] as [number, number],
  };
}

/** gbstats' EffectBayesianABTest with its default improper flat prior: the posterior is N(estimate, se²). */
function flatPriorPosterior(mean: number, sd: number, { alpha, inverse }: AnalysisOptions) {
  const probabilityAbove = 1 - normalCdf(0, mean, sd);
  const [riskControl, riskTreatment] = risks(mean, sd);
  return {
    chanceToWin: inverse ? 1 - probabilityAbove : probabilityAbove,
    ci: [normalQuantile(alpha / 2, mean, sd), normalQuantile(1 - alpha / 2, mean, sd)] as [number, number],
    risk: (inverse ? [riskTreatment, riskControl] : [riskControl, riskTreatment]) as [number, number],
  };
}

/** Expected loss of choosing the control and of choosing the treatment (gbstats' get_risk). */
function risks(mu: number, sigma: number): [number, number] {
  // Beyond 37 standard deviations one side's probability is exactly 0 in doubles.
  if (Math.abs(mu / sigma) > 37) return [Math.max(mu, 0), Math.max(-mu, 0)];
  const z = -mu / sigma;
  const below = normalCdf(z, 0, 1);
  const above = 1 - below;
  // Means of the normal truncated to (0, ∞) and to (−∞, 0).
  const meanAbove = mu + (sigma * normalPdf(z, 0, 1)) / above;
  const meanBelow = mu - (sigma * normalPdf(z, 0, 1)) / below;
  return [above * meanAbove, -(below * meanBelow)];
}

/**
 * Sample-ratio mismatch: the chi-squared test of the users each variant got against the weights it
 * should have got (gbstats' check_srm). Variants of weight zero are left out, count and degree of
 * freedom alike, since no user should be in them. 1 when there are no users.
 */
export function sampleRatioMismatchPValue(users: number[], weights: number[]): number {
  const arms = users.map((observed, i) => ({ observed, weight: weights[i] })).filter((arm) => arm.weight > 0);
  const totalObserved = arms.reduce((sum, arm) => sum + arm.observed, 0);
  if (totalObserved === 0 || arms.length < 2) return 1;
  const totalWeight = arms.reduce((sum, arm) => sum + arm.weight, 0);
  let statistic = 0;
  for (const { observed, weight } of arms) {
    const expected = (weight / totalWeight) * totalObserved;
    statistic += (observed - expected) ** 2 / expected;
  }
  return 1 - chisquareCdf(statistic, arms.length - 1);
}
