import type { Results } from '../api.js';

export interface Verdict {
  /** The variant ahead, when one is. */
  leader: string | null;
  /** Whether the numbers can be acted on yet. */
  trustworthy: boolean;
  summary: string;
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What a person should read first on a results page: which variant leads on a metric, and whether
 * that can be trusted yet (sample ratio healthy, enough evidence: 95% chance to win or p < 0.05).
 */
export function verdict(results: Results, metric: Results['metrics'][number], control: string): Verdict {
  if (results.srm.healthy === false) {
    return {
      leader: null,
      trustworthy: false,
      summary:
        'Do not trust these numbers: the split of users does not match the weights ' +
        `(SRM p = ${results.srm.p_value?.toPrecision(2)}).`,
    };
  }
  // A variant is compared once its chance to win and p-value exist (either may be null: see the metric's warnings).
  const treatments = metric.variants.flatMap((v) => {
    const chance = v.relative?.bayesian.chance_to_win;
    const p = v.relative?.frequentist.p_value;
    return chance == null || p == null ? [] : [{ key: v.key, chance, p, estimate: v.relative!.estimate }];
  });
  if (treatments.length === 0) return { leader: null, trustworthy: false, summary: 'Not enough data yet.' };
  const best = treatments.reduce((a, b) => (b.chance > a.chance ? b : a));
  const { chance, p } = best;
  if (chance >= 0.95 && p < 0.05) {
    const uplift = best.estimate === null ? '' : `, uplift ${percent(best.estimate)}`;
    return {
      leader: best.key,
      trustworthy: true,
      summary: `${best.key} wins: ${percent(chance)} chance to beat ${control}${uplift} (p = ${p.toPrecision(2)}).`,
    };
  }
  if (chance <= 0.05 && p < 0.05) {
    return {
      leader: control,
      trustworthy: true,
      summary: `${control} wins: ${best.key} has a ${percent(chance)} chance to beat it (p = ${p.toPrecision(2)}).`,
    };
  }
  const ahead = chance >= 0.5 ? best.key : control;
  return {
    leader: ahead,
    trustworthy: false,
    summary:
      `${ahead} is ahead, but not conclusively yet ` +
      `(${percent(chance)} chance for ${best.key} to win, p = ${p.toPrecision(2)}).`,
  };
}
