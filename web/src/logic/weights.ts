/** Percentages with two decimals, as the API takes them; summed in hundredths to avoid float drift. */
const hundredths = (value: number) => Math.round(value * 100);

export function total(weights: readonly number[]): number {
  return weights.reduce((sum, w) => sum + hundredths(w), 0) / 100;
}

export const addsUp = (weights: readonly number[]) => weights.reduce((sum, w) => sum + hundredths(w), 0) === 10_000;

/**
 * After the person sets one weight, the others take up the difference so the total stays 100: in
 * proportion to what they had (equally when they had nothing), the rounding remainder to the first.
 */
export function rebalance(weights: readonly number[], changed: number, value: number): number[] {
  const fixed = Math.min(Math.max(hundredths(value), 0), 10_000);
  const others = weights.map((w, i) => (i === changed ? 0 : Math.max(hundredths(w), 0)));
  const othersTotal = others.reduce((a, b) => a + b, 0);
  const left = 10_000 - fixed;
  const count = weights.length - 1;
  const shares = others.map((w, i) => {
    if (i === changed) return fixed;
    if (count === 0) return 0;
    return othersTotal === 0 ? Math.floor(left / count) : Math.floor((w * left) / othersTotal);
  });
  let remainder = 10_000 - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0 && count > 0; i = (i + 1) % shares.length) {
    if (i === changed) continue;
    shares[i]++;
    remainder--;
  }
  return shares.map((s) => s / 100);
}

/** An equal split of 100 among `count`, the first ones taking the remainder. */
export function equalSplit(count: number): number[] {
  if (count === 0) return [];
  const share = Math.floor(10_000 / count);
  return Array.from({ length: count }, (_, i) => (share + (i < 10_000 - share * count ? 1 : 0)) / 100);
}
