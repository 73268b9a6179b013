import type { Experiment } from '../../core/experiments.js';
import type { Flag } from '../../core/flags.js';
import { NotFoundError } from '../../errors.js';
import { type Decision, decide, type DecisionMemo, exposedVariant, isOn, type Lookups } from '../../core/evaluation.js';
import type { Attributes } from '../../core/targeting.js';
import type { ContextRecorder } from './recent-contexts.js';

/** One environment's flags, in memory (an EnvironmentView): evaluation needs no more than this. */
export interface FlagSource {
  readonly environment: { readonly id: number };
  find(name: string): Flag | undefined;
  all(): readonly Flag[];
  runningExperiment(flagName: string): Experiment | undefined;
  readonly lookups: Lookups;
}

/** Counts evaluations per flag and environment and result, for metrics and for when each flag was last used. */
export interface EvaluationRecorder {
  record(flag: Flag, enabled: boolean): void;
}

/** Takes the exposures of users who got a variant of a flag with a running experiment (ExposureBuffer). */
export interface ExposureRecorder {
  record(experiment: Experiment, userId: string, variant: string): void;
}

/**
 * Every evaluation endpoint calls this with the decision it answers: one map read when the flag runs
 * no experiment. Who is exposed to what is the core's exposedVariant().
 */
export function recordExposure(
  flags: FlagSource,
  exposures: ExposureRecorder,
  decision: Decision,
  userId: string,
): void {
  const variant = exposedVariant(decision);
  if (variant === undefined) return;
  const experiment = flags.runningExperiment(decision.flag.name);
  if (experiment) exposures.record(experiment, userId, variant.key);
}

export class EvaluationService {
  constructor(
    private readonly recorder: EvaluationRecorder,
    private readonly exposures: ExposureRecorder,
    private readonly contexts: ContextRecorder,
  ) {}

  evaluate(flags: FlagSource, userId: string, flagName: string, attributes?: Attributes): Decision {
    const flag = flags.find(flagName);
    if (!flag) throw new NotFoundError(`Flag "${flagName}" not found`);
    this.contexts.record(flags.environment.id, userId, attributes, flag.flagId);
    return this.decide(flags, flag, userId, attributes);
  }

  /** Every flag, in name order, with its reason and variant. */
  evaluateAll(flags: FlagSource, userId: string, attributes?: Attributes): Decision[] {
    this.contexts.record(flags.environment.id, userId, attributes);
    const memo: DecisionMemo = new Map();
    return flags.all().map((flag) => this.decide(flags, flag, userId, attributes, memo));
  }

  /** Whether each flag is on for the user, keyed by flag name in name order. */
  enabledFlags(flags: FlagSource, userId: string, attributes?: Attributes): Record<string, boolean> {
    this.contexts.record(flags.environment.id, userId, attributes);
    const result: Record<string, boolean> = {};
    const memo: DecisionMemo = new Map();
    for (const flag of flags.all()) {
      // A flag with a running experiment needs the variant, to record the exposure.
      if (flags.runningExperiment(flag.name)) {
        result[flag.name] = this.decide(flags, flag, userId, attributes, memo).enabled;
        continue;
      }
      const enabled = isOn(flag, userId, attributes, flags.lookups, memo);
      this.recorder.record(flag, enabled);
      result[flag.name] = enabled;
    }
    return result;
  }

  private decide(
    flags: FlagSource,
    flag: Flag,
    userId: string,
    attributes: Attributes | undefined,
    memo?: DecisionMemo,
  ): Decision {
    const decision = decide(flag, userId, attributes, flags.lookups, memo);
    this.recorder.record(flag, decision.enabled);
    recordExposure(flags, this.exposures, decision, userId);
    return decision;
  }
}
