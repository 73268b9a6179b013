import type { Results } from '../api.js';

export interface VerdictWords {
  headline: string;
  tone: 'success' | 'warning' | 'problem' | 'neutral';
  /** The variant to pick, when the verdict names one. */
  leader: string | null;
}

/**
 * The service's verdict in a few words (its `reason` says why, with the numbers): the dashboard words
 * it and never decides it, so the page and the API cannot disagree.
 */
export function wordVerdict(verdict: Results['verdict'], control: string): VerdictWords {
  switch (verdict.state) {
    case 'winner':
      return { headline: `${verdict.variant} wins`, tone: 'success', leader: verdict.variant ?? null };
    case 'loser':
      return { headline: `${verdict.variant} loses: keep ${control}`, tone: 'warning', leader: control };
    case 'no_difference':
      return { headline: 'No difference found', tone: 'neutral', leader: null };
    case 'srm':
      return { headline: 'Do not trust these numbers', tone: 'problem', leader: null };
    case 'too_early':
      return { headline: 'Too early to call', tone: 'neutral', leader: null };
  }
}

/** A variant's name, marked when it is the control ("blue (control)"; a variant named control needs no mark). */
export const variantLabel = (key: string, control: string) =>
  key === control && key.toLowerCase() !== 'control' ? `${key} (control)` : key;
