import { describe, expect, it } from 'vitest';
import {
  type AnalysisOptions,
  compare,
  DEFAULT_SEQUENTIAL_TUNING,
  meanInterval,
  reportComparison,
  sampleRatioMismatchPValue,
  uncomputedWarnings,
} from '../../src/core/statistics.js';

const FIXED: AnalysisOptions = { alpha: 0.05, inverse: false };

// gbstats' tests round to 5 decimals; these expectations are theirs (packages/stats/tests in growthbook/growthbook).
const close = (expected: number) => expect.closeTo(expected, 5);

describe('statistics against gbstats unit tests', () => {
  it('binomial 14/28 vs 16/30: frequentist relative (tests/frequentist/test_tests.py, test_two_sided_ttest_binom)', () => {
    const result = compare({ n: 28, sum: 14 }, { n: 30, sum: 16 }, FIXED)!;
    expect(result.estimate).toEqual(close(0.06667));
    expect(result.standardError).toEqual(close(0.2717));
    expect(result.frequentist.pValue).toEqual(close(0.80707));
    expect(result.frequentist.ci).toEqual([close(-0.47767), close(0.61101)]);
    // The Bayesian reading of the same data, as in the example (4 decimals).
    expect(result.bayesian.chanceToWin).toBeCloseTo(0.5969, 4);
    expect(result.bayesian.ci.map((x) => x.toFixed(4))).toEqual(['-0.4659', '0.5992']);
    expect(result.bayesian.risk.map((x) => x.toFixed(4))).toEqual(['0.1450', '0.0783']);
  });

  it('sample means: frequentist relative (test_two_sided_ttest)', () => {
    const result = compare(
      { n: 3407, sum: 1396.87, sumSquares: 52377.9767 },
      { n: 3461, sum: 2422.7, sumSquares: 134698.29 },
      FIXED,
    )!;
    expect(result.estimate).toEqual(close(0.70732));
    expect(result.standardError).toEqual(close(0.37879));
    expect(result.frequentist.pValue).toEqual(close(0.06191));
    expect(result.frequentist.ci).toEqual([close(-0.03526), close(1.44989)]);
  });

  it('sequential, sample means with tuning 1,000 (test_sequential_test_runs)', () => {
    const result = compare(
      { n: 3000, sum: 1396.87, sumSquares: 52377.9767 },
      { n: 3461, sum: 2422.7, sumSquares: 134698.29 },
      { ...FIXED, sequentialTuning: 1000 },
    )!;
    expect(result.estimate).toEqual(close(0.50336));
    expect(result.standardError).toEqual(close(0.33341));
    expect(result.frequentist.ci).toEqual([close(-0.55844), close(1.56516)]);
    expect(result.frequentist.pValue).toBe(1);
  });

  it('sequential, proportions with the default tuning (test_sequential_test_runs_prop)', () => {
    const result = compare(
      { n: 3000, sum: 1396 },
      { n: 3461, sum: 2422 },
      { ...FIXED, sequentialTuning: DEFAULT_SEQUENTIAL_TUNING },
    )!;
    expect(result.estimate).toEqual(close(0.50386));
    expect(result.standardError).toEqual(close(0.03386));
    expect(result.frequentist.ci).toEqual([close(0.40098), close(0.60675)]);
    expect(result.frequentist.pValue).toEqual(close(0));
  });

  it('binomial 49/100 vs 51/100: Bayesian, flat prior (tests/bayesian/test_tests.py, TestBinom)', () => {
    const { estimate, standardError, bayesian } = compare({ n: 100, sum: 49 }, { n: 100, sum: 51 }, FIXED)!;
    expect(estimate).toEqual(close(0.04082));
    expect(standardError).toEqual(close(0.14725));
    expect(bayesian.chanceToWin).toEqual(close(0.60918));
    expect(bayesian.ci).toEqual([close(-0.24779), close(0.32943)]);
    expect(bayesian.risk).toEqual([close(0.0814), close(0.04058)]);
  });

  it('sample means: Bayesian, flat prior (TestNorm)', () => {
    const { estimate, standardError, bayesian } = compare(
      { n: 10, sum: 100, sumSquares: 1002.25 },
      { n: 10, sum: 105, sumSquares: 1111.5 },
      FIXED,
    )!;
    expect(estimate).toEqual(close(0.05));
    expect(standardError).toEqual(close(0.03572));
    expect(bayesian.chanceToWin).toEqual(close(0.91923));
    expect(bayesian.ci).toEqual([close(-0.02), close(0.12)]);
    expect(bayesian.risk).toEqual([close(0.05131), close(0.00131)]);
  });

  it('an inverse metric turns the chance to win and the risks around', () => {
    const plain = compare({ n: 100, sum: 49 }, { n: 100, sum: 51 }, FIXED)!;
    const inverse = compare({ n: 100, sum: 49 }, { n: 100, sum: 51 }, { ...FIXED, inverse: true })!;
    expect(inverse.bayesian.chanceToWin).toBeCloseTo(1 - plain.bayesian.chanceToWin, 12);
    expect(inverse.bayesian.risk).toEqual([plain.bayesian.risk[1], plain.bayesian.risk[0]]);
    expect(inverse.frequentist).toEqual(plain.frequentist);
  });

  it('reports a statistic that is not a finite number as null, with a warning naming it', () => {
    // A control mean of 5e-301: the relative uplift's variance overflows, and the intervals with it.
    const comparison = compare({ n: 2, sum: 1e-300, sumSquares: 1 }, { n: 2, sum: 1, sumSquares: 1 }, FIXED)!;
    expect(Number.isFinite(comparison.frequentist.ci[1])).toBe(false);
    const reported = reportComparison(comparison);
    expect(reported).toEqual({
      estimate: comparison.estimate,
      frequentist: { pValue: comparison.frequentist.pValue, ci: null },
      bayesian: { chanceToWin: 0.5, ci: null, risk: null },
    });
    expect(Number.isFinite(reported.estimate) && Number.isFinite(reported.frequentist.pValue)).toBe(true);
    expect(
      uncomputedWarnings([{ key: 'control' }, { key: 'b', relative: reported }, { key: 'c', relative: null }]),
    ).toEqual([
      'Variant "b": frequentist.ci, bayesian.ci, bayesian.risk cannot be computed in double ' +
        'precision from these values (too large, or a control mean too close to zero), so they are null',
    ]);
    const ordinary = compare({ n: 28, sum: 14 }, { n: 30, sum: 16 }, FIXED)!;
    expect(reportComparison(ordinary)).toEqual({
      estimate: ordinary.estimate,
      frequentist: ordinary.frequentist,
      bayesian: ordinary.bayesian,
    });
    expect(uncomputedWarnings([{ key: 'b', relative: reportComparison(ordinary) }])).toEqual([]);
  });

  it('declines to compare without variance or with a control mean of zero (test_missing_data)', () => {
    expect(compare({ n: 0, sum: 0 }, { n: 0, sum: 0 }, FIXED)).toBeNull();
    expect(compare({ n: 0, sum: 0, sumSquares: 0 }, { n: 0, sum: 0, sumSquares: 0 }, FIXED)).toBeNull();
    expect(compare({ n: 10, sum: 0 }, { n: 10, sum: 3 }, FIXED)).toBeNull();
    expect(compare({ n: 10, sum: 10 }, { n: 10, sum: 3 }, FIXED)).toBeNull();
    expect(compare({ n: 1, sum: 4, sumSquares: 16 }, { n: 5, sum: 3, sumSquares: 4 }, FIXED)).toBeNull();
  });

  it('sample-ratio mismatch: 1,000 vs 1,200 at 50/50 (test_gbstats.py, test_srm, 9 decimals)', () => {
    expect(sampleRatioMismatchPValue([1000, 1200], [0.5, 0.5])).toBeCloseTo(0.000020079, 9);
    // The example: 28 vs 30 users at 50/50.
    expect(sampleRatioMismatchPValue([28, 30], [50, 50])).toBeCloseTo(0.7928, 4);
    expect(sampleRatioMismatchPValue([0, 0], [50, 50])).toBe(1);
    // A variant of weight zero takes no part, nor a degree of freedom.
    expect(sampleRatioMismatchPValue([28, 30, 5], [50, 50, 0])).toBe(sampleRatioMismatchPValue([28, 30], [50, 50]));
  });
});

/** Park–Miller: a seeded generator, so the A/A run is the same on every machine. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

describe("a variant's own interval", () => {
  it('is the Wald interval of a rate and the z-interval of a mean, and the mean alone below two users', () => {
    // 14/28: 0.5 ± 1.959964 × √(0.25 / 28); the values 1, 2, 3: 2 ± 1.959964 × √(1 / 3).
    const rate = meanInterval({ n: 28, sum: 14 }, 0.05);
    expect(rate[0]).toBeCloseTo(0.31480081, 7);
    expect(rate[1]).toBeCloseTo(0.68519919, 7);
    const mean = meanInterval({ n: 3, sum: 6, sumSquares: 14 }, 0.05);
    expect(mean[0]).toBeCloseTo(0.86841427, 7);
    expect(mean[1]).toBeCloseTo(3.13158573, 7);
    // 2 of 3: 0.667 ± 0.533 would pass 1; a rate's interval stops there.
    expect(meanInterval({ n: 3, sum: 2 }, 0.05)[1]).toBe(1);
    expect(meanInterval({ n: 1, sum: 1 }, 0.05)).toEqual([1, 1]);
    expect(meanInterval({ n: 0, sum: 0 }, 0.05)).toEqual([0, 0]);
  });
});

describe('statistics: A/A honesty', () => {
  it('flags 5% ± 2% of 1,000 experiments without a true difference as significant at alpha 0.05', () => {
    const random = seeded(20261203);
    const users = 2000;
    const rate = 0.1;
    let significant = 0;
    for (let experiment = 0; experiment < 1000; experiment++) {
      const conversions = () => {
        let sum = 0;
        for (let u = 0; u < users; u++) if (random() < rate) sum++;
        return { n: users, sum };
      };
      const result = compare(conversions(), conversions(), FIXED)!;
      if (result.frequentist.pValue < 0.05) significant++;
      // The interval and the p-value tell the same story.
      const [low, high] = result.frequentist.ci;
      expect(low > 0 || high < 0).toBe(result.frequentist.pValue < 0.05);
    }
    expect(significant / 1000).toBeGreaterThanOrEqual(0.03);
    expect(significant / 1000).toBeLessThanOrEqual(0.07);
  });
});
