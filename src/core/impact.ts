/**
 * The impact of a change to one flag: how the answers of a sample of users would change. Pure: the
 * caller brings the flag as it is, the flag as the change would leave it, and the users.
 */
import { decide, type Lookups } from './evaluation.js';
import type { Flag } from './flags.js';
import type { Attributes } from './targeting.js';

/** The impact preview looks at the users evaluated this far back. */
export const IMPACT_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ImpactUser {
  readonly userId: string;
  readonly attributes: Attributes | undefined;
}

export interface Impact {
  readonly users: number;
  readonly turningOn: number;
  readonly turningOff: number;
  /** On before and after, with another variant. */
  readonly changingVariant: number;
  readonly unchanged: number;
  /** A few of each, for a person to check by hand. */
  readonly examples: {
    readonly turningOn: string[];
    readonly turningOff: string[];
    readonly changingVariant: string[];
  };
}

const EXAMPLES = 5;

export function impactOf(before: Flag, after: Flag, users: readonly ImpactUser[], lookups: Lookups): Impact {
  let unchanged = 0;
  const examples = { turningOn: [] as string[], turningOff: [] as string[], changingVariant: [] as string[] };
  const counts = { turningOn: 0, turningOff: 0, changingVariant: 0 };
  for (const { userId, attributes } of users) {
    const was = decide(before, userId, attributes, lookups);
    const will = decide(after, userId, attributes, lookups);
    const change =
      was.enabled !== will.enabled
        ? will.enabled
          ? 'turningOn'
          : 'turningOff'
        : will.enabled && was.variant?.key !== will.variant?.key
          ? 'changingVariant'
          : undefined;
    if (change === undefined) {
      unchanged++;
      continue;
    }
    counts[change]++;
    if (examples[change].length < EXAMPLES) examples[change].push(userId);
  }
  return { users: users.length, ...counts, unchanged, examples };
}
