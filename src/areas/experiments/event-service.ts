import type { FastifyBaseLogger } from 'fastify';
import { decide } from '../../core/evaluation.js';
import type { Attributes } from '../../core/targeting.js';
import type { EventFilter, ExperimentData, ExportedEvent, ExposureRecord, TrackedEvent } from './experiment-store.js';
import type { Clock } from '../../support/clock.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import { EXPORT_PAGE_ROWS } from './experiment-service.js';

const DAY_MS = 86_400_000;
/** How far ahead of this instance's clock a client's timestamp may be (clocks drift). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** How often events past their retention are deleted. */
export const RETENTION_SWEEP_MS = 3_600_000;

export type IncomingEvent =
  | { type: 'track'; event: string; userId: string; value?: number; timestamp?: Date; eventId?: string }
  | {
      type: 'exposure';
      experiment: string;
      userId: string;
      variant: string;
      timestamp?: Date;
      attributes?: Attributes;
    }
  /** An item whose fields failed their checks: reported, not stored. */
  | { type: 'rejected'; reason: string };

export interface IngestResult {
  accepted: number;
  /** Track events whose event_id was stored before (a retried batch). */
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/**
 * Conversions (track events) and exposures sent by clients that evaluate elsewhere, in one
 * environment (the API key's). Each event is checked on its own and only a bad one is refused, with its
 * index and why: an exposure the service would not have made (unknown experiment, a variant it would
 * not assign that user), so results cannot be poisoned; a timestamp outside the accepted range; a
 * field the schema refused. The rest are stored before the answer.
 */
export class EventService {
  private stopSweeping: (() => void) | undefined;

  constructor(
    private readonly data: ExperimentData,
    private readonly clock: Clock,
    private readonly retentionDays: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Deletes events older than the retention, every RETENTION_SWEEP_MS. */
  start(): void {
    this.stopSweeping = this.clock.every(RETENTION_SWEEP_MS, () => this.sweep());
  }

  stop(): void {
    this.stopSweeping?.();
  }

  async sweep(): Promise<number> {
    try {
      const deleted = await this.data.deleteEventsBefore(this.clock.now() - this.retentionDays * DAY_MS);
      if (deleted > 0) this.log.info({ deleted, retention_days: this.retentionDays }, 'deleted expired events');
      return deleted;
    } catch (error) {
      this.log.warn({ err: error }, 'cannot delete expired events; trying again at the next sweep');
      return 0;
    }
  }

  async ingest(view: EnvironmentView, events: readonly IncomingEvent[]): Promise<IngestResult> {
    const now = this.clock.now();
    const oldest = now - this.retentionDays * DAY_MS;
    const tracked: TrackedEvent[] = [];
    const exposures = new Map<string, ExposureRecord>();
    const rejected: IngestResult['rejected'] = [];
    events.forEach((incoming, index) => {
      if (incoming.type === 'rejected') {
        rejected.push({ index, reason: incoming.reason });
        return;
      }
      const atMs = incoming.timestamp?.getTime() ?? now;
      const refusal =
        atMs > now + MAX_CLOCK_SKEW_MS
          ? 'timestamp is in the future'
          : atMs < oldest
            ? `timestamp is older than the retention (${this.retentionDays} days)`
            : incoming.type === 'exposure'
              ? exposureRefusal(view, incoming)
              : undefined;
      if (refusal !== undefined) {
        rejected.push({ index, reason: refusal });
        return;
      }
      if (incoming.type === 'track') {
        tracked.push({
          environmentId: view.environment.id,
          eventId: incoming.eventId ?? null,
          event: incoming.event,
          userId: incoming.userId,
          value: incoming.value ?? null,
          atMs,
        });
        return;
      }
      const experimentId = view.experiment(incoming.experiment)!.id;
      const id = `${experimentId}\u0000${incoming.userId}`;
      const earlier = exposures.get(id);
      if (!earlier || atMs < earlier.atMs) {
        exposures.set(id, { experimentId, userId: incoming.userId, variant: incoming.variant, atMs, multiple: false });
      }
    });
    const stored = await this.data.storeEvents(tracked);
    await this.data.recordExposures([...exposures.values()]);
    return { accepted: stored + exposures.size, duplicates: tracked.length - stored, rejected };
  }

  /** Stored events in id order (the order they arrived) after `afterId`, a page at a time. */
  async *events(filter: EventFilter, afterId: number | null): AsyncGenerator<ExportedEvent> {
    for (let after = afterId; ;) {
      const page = await this.data.eventPage(filter, after, EXPORT_PAGE_ROWS);
      yield* page;
      if (page.length < EXPORT_PAGE_ROWS) return;
      after = page[page.length - 1].id;
    }
  }
}

/**
 * Why the service would not have recorded this exposure itself (it needs a running experiment, and the
 * variant the service assigns the user), or undefined when it would have.
 */
function exposureRefusal(view: EnvironmentView, exposure: Extract<IncomingEvent, { type: 'exposure' }>) {
  const experiment = view.experiment(exposure.experiment);
  if (!experiment) return `experiment: experiment "${exposure.experiment}" not found`;
  if (experiment.status !== 'running') return `experiment: experiment "${experiment.key}" is ${experiment.status}`;
  const flag = view.find(experiment.flagName);
  if (!flag?.variants.some((v) => v.key === exposure.variant)) {
    return `variant: "${exposure.variant}" is not a variant of flag "${experiment.flagName}"`;
  }
  const decision = decide(flag, exposure.userId, exposure.attributes, view.lookups);
  // An off variant is served, never exposed: the user is not in the experiment.
  const served = decision.enabled ? decision.variant : undefined;
  if (served?.key === exposure.variant) return undefined;
  if (decision.reason === 'FLAG_DISABLED') {
    return (
      `variant: flag "${flag.name}" is off in environment "${view.environment.key}", so nobody is in ` +
      `experiment "${experiment.key}" there until it is turned on`
    );
  }
  const given = served ? `variant "${served.key}"` : 'no variant';
  return (
    `variant: the service assigns user "${exposure.userId}" ${given} of flag "${flag.name}", ` +
    `not "${exposure.variant}"`
  );
}
