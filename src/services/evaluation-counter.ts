import type { EvaluationRecorder } from './evaluation-service.js';

/**
 * Plain counters, read by the metrics endpoint when it is scraped: an "all flags" request with
 * 1,000 flags records 1,000 evaluations, which labelled Prometheus counters would make costly.
 */
export class EvaluationCounter implements EvaluationRecorder {
  private readonly counts = new Map<string, { on: number; off: number }>();

  record(flagName: string, enabled: boolean): void {
    let count = this.counts.get(flagName);
    if (!count) this.counts.set(flagName, (count = { on: 0, off: 0 }));
    if (enabled) count.on++;
    else count.off++;
  }

  entries(): IterableIterator<[string, { readonly on: number; readonly off: number }]> {
    return this.counts.entries();
  }
}
