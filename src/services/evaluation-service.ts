import type { Experiment, Flag } from '../core/model.js';
import { NotFoundError } from '../errors.js';
import { type Decision, decide, type DecisionMemo, isOn, type Lookups } from '../core/evaluation.js';
import type { Attributes, SegmentDefinition } from '../core/targeting.js';

/** Evaluation reads flags and segments from memory and needs no more than this (ConfigSnapshot provides it). */
export interface FlagSource {
  find(name: string): Flag | undefined;
  all(): readonly Flag[];
  segment(name: string): SegmentDefinition | undefined;
  runningExperiment(flagName: string): Experiment | undefined;
}

/** Counts evaluations per flag and result, for metrics. */
export interface EvaluationRecorder {
  record(flagName: string, enabled: boolean): void;
}

/** Takes the exposures of users who got a variant of a flag with a running experiment (ExposureBuffer). */
export interface ExposureRecorder {
  record(experiment: Experiment, userId: string, variant: string): void;
}

/** Every evaluation endpoint calls this with the decision it answers: one map read when the flag runs no experiment. */
export function recordExposure(
  flags: FlagSource,
  exposures: ExposureRecorder,
  decision: Decision,
  userId: string,
): void {
  if (decision.variant === undefined) return;
  const experiment = flags.runningExperiment(decision.flag.name);
  if (experiment) exposures.record(experiment, userId, decision.variant.key);
}

export class EvaluationService {
  private readonly lookups: Lookups = {
    segment: (name) => this.flags.segment(name),
    flag: (name) => this.flags.find(name),
  };

  constructor(
    private readonly flags: FlagSource,
    private readonly recorder: EvaluationRecorder,
    private readonly exposures: ExposureRecorder,
  ) {}

  evaluate(userId: string, flagName: string, attributes?: Attributes): Decision {
    const flag = this.flags.find(flagName);
    if (!flag) throw new NotFoundError(`Flag "${flagName}" not found`);
    return this.decide(flag, userId, attributes);
  }

  /** Every flag, in name order, with its reason and variant. */
  evaluateAll(userId: string, attributes?: Attributes): Decision[] {
    const memo: DecisionMemo = new Map();
    return this.flags.all().map((flag) => this.decide(flag, userId, attributes, memo));
  }

  /** Whether each flag is on for the user, keyed by flag name in name order. */
  enabledFlags(userId: string, attributes?: Attributes): Record<string, boolean> {
    const result: Record<string, boolean> = {};
    const memo: DecisionMemo = new Map();
    for (const flag of this.flags.all()) {
      // A flag with a running experiment needs the variant, to record the exposure.
      result[flag.name] = this.flags.runningExperiment(flag.name)
        ? this.decide(flag, userId, attributes, memo).enabled
        : this.count(flag, isOn(flag, userId, attributes, this.lookups, memo));
    }
    return result;
  }

  private decide(flag: Flag, userId: string, attributes: Attributes | undefined, memo?: DecisionMemo): Decision {
    const decision = decide(flag, userId, attributes, this.lookups, memo);
    this.recorder.record(flag.name, decision.enabled);
    recordExposure(this.flags, this.exposures, decision, userId);
    return decision;
  }

  private count(flag: Flag, enabled: boolean): boolean {
    this.recorder.record(flag.name, enabled);
    return enabled;
  }
}
