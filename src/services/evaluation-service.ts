import type { Flag, Variant } from '../db/repositories.js';
import { NotFoundError } from '../errors.js';
import { chooseVariant, evaluateRollout, isEnabled, type RolloutReason, variantBucketBasisPoints } from '../rollout.js';

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
  /** The user's variant, for a flag with variants that is on for the user. */
  variant: Variant | undefined;
}

/** Which of the flag's variants a user who gets the flag sees (none for a plain on/off flag). */
export function variantFor(flag: Flag, userId: string): Variant | undefined {
  return flag.variants.length === 0 ? undefined : chooseVariant(flag.variants, variantBucketBasisPoints(userId, flag.name));
}

/** Counts evaluations per flag and result, for metrics. */
export interface EvaluationRecorder {
  record(flagName: string, enabled: boolean): void;
}

export class EvaluationService {
  constructor(
    private readonly flags: FlagSource,
    private readonly recorder: EvaluationRecorder,
  ) {}

  evaluate(userId: string, flagName: string): FlagEvaluation {
    const flag = this.flags.find(flagName);
    if (!flag) throw new NotFoundError(`Flag "${flagName}" not found`);
    const result = evaluateRollout(flag, userId, flag.name);
    this.recorder.record(flag.name, result.enabled);
    return { userId, flagName, ...result, variant: result.enabled ? variantFor(flag, userId) : undefined };
  }

  /** Whether each flag is on for the user, keyed by flag name in name order. */
  evaluateAll(userId: string): Record<string, boolean> {
    const result: Record<string, boolean> = {};
    for (const flag of this.flags.all()) {
      const enabled = isEnabled(flag, userId, flag.name);
      this.recorder.record(flag.name, enabled);
      result[flag.name] = enabled;
    }
    return result;
  }
}
