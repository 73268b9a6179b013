import type { Flag } from '../../core/flags.js';
import { NotFoundError } from '../../errors.js';
import type { DecisionMemo } from '../../core/evaluation.js';
import {
  type OpenFeatureAnswer,
  type OpenFeatureFailure,
  type OpenFeatureSubject,
  resolveOpenFeature,
} from '../../core/openfeature.js';
import type { ContextRecorder } from './recent-contexts.js';
import {
  type EvaluationRecorder,
  type ExposureRecorder,
  type FlagSource,
  recordExposure,
} from './evaluation-service.js';

/** A flag whose answer depends on who asks was asked without saying who. */
export class TargetingKeyMissingError extends Error {}

/**
 * Flags evaluated in OpenFeature's terms, for the OpenFeature Remote Evaluation Protocol. The answers
 * are the native endpoints' answers for the user named by `targetingKey`, with the value OpenFeature
 * expects of the flag's value type (core/openfeature, which the in-process provider answers with too).
 */
export class OfrepService {
  constructor(
    private readonly recorder: EvaluationRecorder,
    private readonly exposures: ExposureRecorder,
    private readonly contexts: ContextRecorder,
  ) {}

  evaluate(flags: FlagSource, key: string, subject: OpenFeatureSubject): OpenFeatureAnswer {
    const flag = flags.find(key);
    if (!flag) throw new NotFoundError(`Flag "${key}" not found`);
    if (subject.targetingKey !== undefined)
      this.contexts.record(flags.environment.id, subject.targetingKey, subject.attributes, flag.flagId);
    const result = this.resolve(flags, flag, subject);
    if ('errorCode' in result) throw new TargetingKeyMissingError(result.errorDetails);
    return result;
  }

  /** Every flag, in name order; a flag that needs a targeting key the context lacks fails alone. */
  evaluateAll(flags: FlagSource, subject: OpenFeatureSubject): (OpenFeatureAnswer | OpenFeatureFailure)[] {
    if (subject.targetingKey !== undefined)
      this.contexts.record(flags.environment.id, subject.targetingKey, subject.attributes);
    const memo: DecisionMemo = new Map();
    return flags.all().map((flag) => this.resolve(flags, flag, subject, memo));
  }

  private resolve(
    flags: FlagSource,
    flag: Flag,
    subject: OpenFeatureSubject,
    memo?: DecisionMemo,
  ): OpenFeatureAnswer | OpenFeatureFailure {
    const { result, enabled, decision } = resolveOpenFeature(flag, subject, flags.lookups, memo);
    if ('errorCode' in result) return result;
    this.recorder.record(flag, enabled);
    if (decision && subject.targetingKey !== undefined)
      recordExposure(flags, this.exposures, decision, subject.targetingKey);
    return result;
  }
}
