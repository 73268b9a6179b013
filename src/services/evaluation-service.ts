import type { Flag } from '../db/flag-repository.js';
import { NotFoundError } from '../errors.js';
import { evaluateRollout, isEnabled, type RolloutReason } from '../rollout.js';

/** Evaluation reads flags from memory and needs no more than this (FlagSnapshot provides it). */
export interface FlagSource {
  find(name: string): Flag | undefined;
  all(): readonly Flag[];
}

export interface FlagEvaluation {
  userId: string;
  flagName: string;
  enabled: boolean;
  reason: RolloutReason;
  bucketBasisPoints: number;
}

export class EvaluationService {
  constructor(private readonly flags: FlagSource) {}

  evaluate(userId: string, flagName: string): FlagEvaluation {
    const flag = this.flags.find(flagName);
    if (!flag) throw new NotFoundError(`Flag "${flagName}" not found`);
    return { userId, flagName, ...evaluateRollout(flag, userId, flag.name) };
  }

  /** Whether each flag is on for the user, keyed by flag name in name order. */
  evaluateAll(userId: string): Record<string, boolean> {
    const result: Record<string, boolean> = {};
    for (const flag of this.flags.all()) {
      result[flag.name] = isEnabled(flag, userId, flag.name);
    }
    return result;
  }
}
