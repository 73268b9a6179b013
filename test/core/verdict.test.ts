import { describe, expect, it } from 'vitest';
import type { MetricResult, MetricVariantResult } from '../../src/core/experiments.js';
import { compare, reportComparison } from '../../src/core/statistics.js';
import { experimentVerdict, type VerdictInput } from '../../src/core/verdict.js';

const DAY_MS = 86_400_000;
const startedAt = new Date('2026-12-01T00:00:00Z');

/** A binomial metric's result from conversions per variant out of `users` each, compared as the service does. */
function primary(conversions: Record<string, number>, users: number, inverse = false): MetricResult {
  const control = { n: users, sum: conversions.control };
  const variants = Object.entries(conversions).map(([key, sum]): MetricVariantResult => {
    const result = { key, users, conversions: sum, rate: sum / users, sum: 0, mean: 0, stddev: 0 };
    if (key === 'control') return { ...result, interval: [0, 1] };
    const comparison = compare(control, { n: users, sum }, { alpha: 0.05, inverse });
    return { ...result, interval: [0, 1], relative: comparison && reportComparison(comparison) };
  });
  return {
    metric: { key: 'errors', event: 'error', type: 'binomial', windowHours: null, inverse },
    variants,
    warnings: [],
  };
}

function input(result: MetricResult, changes: Partial<VerdictInput> = {}): VerdictInput {
  return {
    experiment: { control: 'control', status: 'running', startedAt, stoppedAt: null },
    settings: { minDays: 7, minUsersPerVariant: 100 },
    computedAt: new Date(startedAt.getTime() + 8 * DAY_MS),
    variants: result.variants.map((v) => ({ key: v.key, weight: 100 / result.variants.length, users: v.users })),
    srm: { pValue: 0.5, healthy: true },
    primary: result,
    ...changes,
  };
}

describe('the experiment verdict', () => {
  it('calls a lower rate the winner on an inverse metric, and a higher one the loser', () => {
    const fewerErrors = experimentVerdict(input(primary({ control: 60, treatment: 20 }, 200, true)));
    expect(fewerErrors).toMatchObject({ state: 'winner', variant: 'treatment' });
    expect(fewerErrors.reason).toMatch(/^"treatment" lowers errors by 66\.7% against "control"/);
    const moreErrors = experimentVerdict(input(primary({ control: 20, treatment: 60 }, 200, true)));
    expect(moreErrors).toMatchObject({ state: 'loser', variant: 'treatment' });
    expect(moreErrors.reason).toMatch(/raises errors by 200\.0%.*: keep "control"$/);
  });

  it('names the best of several winners, and a winner ahead of a loser', () => {
    const verdict = experimentVerdict(input(primary({ control: 50, a: 20, b: 90, c: 110 }, 200)));
    expect(verdict).toMatchObject({ state: 'winner', variant: 'c' });
    const losers = experimentVerdict(input(primary({ control: 100, a: 60, b: 30 }, 200)));
    expect(losers).toMatchObject({ state: 'loser', variant: 'b' });
  });

  it('puts a broken split ahead of the minimums, and the minimums ahead of any comparison', () => {
    const clear = primary({ control: 20, treatment: 80 }, 200);
    const early = { computedAt: new Date(startedAt.getTime() + DAY_MS / 2) };
    expect(experimentVerdict(input(clear, { ...early, srm: { pValue: 0.0001, healthy: false } })).state).toBe('srm');
    expect(experimentVerdict(input(clear, early))).toEqual({
      state: 'too_early',
      reason: 'Too early to call: it has run 0.5 of the 7 days the project asks for',
    });
    // 6.99 days is not yet 7: days are floored, never rounded up to "done".
    const almost = { computedAt: new Date(startedAt.getTime() + 7 * DAY_MS - 60_000) };
    expect(experimentVerdict(input(clear, almost)).reason).toMatch(/run 6\.9 of the 7 days/);
    expect(experimentVerdict(input(clear)).state).toBe('winner');
  });

  it('counts the days to the stop of a stopped experiment, and leaves unweighted variants out of the minimum', () => {
    const stopped = {
      experiment: {
        control: 'control',
        status: 'stopped' as const,
        startedAt,
        stoppedAt: new Date(startedAt.getTime() + 2 * DAY_MS),
      },
    };
    expect(experimentVerdict(input(primary({ control: 20, treatment: 80 }, 200), stopped)).reason).toMatch(
      /run 2 of the 7 days/,
    );
    const result = primary({ control: 20, treatment: 80 }, 200);
    const retired = [...input(result).variants, { key: 'retired', weight: 0, users: 3 }];
    expect(experimentVerdict(input(result, { variants: retired })).state).toBe('winner');
  });

  it('says no_difference when nothing can be compared yet: no variation at all', () => {
    expect(experimentVerdict(input(primary({ control: 0, treatment: 0 }, 200)))).toEqual({
      state: 'no_difference',
      reason: 'No variant can be compared with "control" on errors yet: the data has no variation',
    });
  });
});
