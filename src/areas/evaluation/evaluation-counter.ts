import type { Flag } from '../../core/flags.js';
import type { EvaluationRecorder } from './evaluation-service.js';

export interface EvaluationCount {
  readonly flagId: number;
  readonly environmentId: number;
  readonly flagName: string;
  on: number;
  off: number;
}

/**
 * Plain counters per flag and environment, read by the metrics endpoint when it is scraped and by the
 * tracker of when flags were last evaluated: an "all flags" request with 1,000 flags records 1,000
 * evaluations, which labelled Prometheus counters would make costly.
 */
export class EvaluationCounter implements EvaluationRecorder {
  private readonly counts = new Map<number, EvaluationCount>();

  record(flag: Flag, enabled: boolean): void {
    let count = this.counts.get(flag.configId);
    if (!count) {
      count = { flagId: flag.flagId, environmentId: flag.environmentId, flagName: flag.name, on: 0, off: 0 };
      this.counts.set(flag.configId, count);
    }
    if (enabled) count.on++;
    else count.off++;
  }

  values(): IterableIterator<Readonly<EvaluationCount>> {
    return this.counts.values();
  }
}
