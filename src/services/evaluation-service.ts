import type { Flag } from '../db/flag-repository.js';
import { NotFoundError } from '../errors.js';
import { evaluateRollout, type RolloutReason } from '../rollout.js';

/** Evaluation only reads flags; it depends on this much and no more. */
export interface FlagSource {
  find(name: string): Promise<Flag | null>;
  list(): Promise<Flag[]>;
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

  async evaluate(userId: string, flagName: string): Promise<FlagEvaluation> {
    const flag = await this.flags.find(flagName);
    if (!flag) throw new NotFoundError(`Flag "${flagName}" not found`);
    return { userId, flagName, ...evaluateRollout(flag, userId, flag.name) };
  }

  /** Whether each flag is on for the user, keyed by flag name in name order. */
  async evaluateAll(userId: string): Promise<Record<string, boolean>> {
    const result: Record<string, boolean> = {};
    for (const flag of await this.flags.list()) {
      result[flag.name] = evaluateRollout(flag, userId, flag.name).enabled;
    }
    return result;
  }
}
