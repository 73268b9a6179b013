import { randomUUID } from 'node:crypto';
import type { Attributes } from '../../../src/core/targeting.js';
import {
  eventItemSchema,
  type ingestResultSchema,
  MAX_EVENTS_PER_BATCH,
} from '../../../src/areas/experiments/event-schemas.js';
import type { z } from 'zod';
import { ServiceRequestError, serviceRequest } from './service-request.js';

type OutgoingEvent =
  | { type: 'track'; event: string; user_id: string; value?: number; timestamp: string; event_id: string }
  | {
      type: 'exposure';
      experiment: string;
      user_id: string;
      variant: string;
      timestamp: string;
      attributes?: Attributes;
    };

export interface EventSenderOptions {
  /** The service's base URL for one environment, ending in "/". */
  base: URL;
  apiKey: string;
  requestTimeoutMs: number;
  flushIntervalMs: number;
  /** Events held at most while the service cannot take them; beyond it new ones are dropped and counted. */
  maxBufferedEvents: number;
  now: () => number;
  warn: (message: string) => void;
}

/** What the sender did so far. */
export interface EventStats {
  /** Accepted by the service (202). */
  sent: number;
  /**
   * Not stored: the buffer was full, the event fails the service's own checks (found before sending),
   * or the service refused it (listed in its answer's `rejected`, or a whole batch refused with a 4xx).
   */
  dropped: number;
  /** Waiting to be sent. */
  pending: number;
}

/** The longest wait between attempts while the service does not take events. */
const MAX_BACKOFF_MS = 60_000;
/** Exposures already queued, remembered so a user's every evaluation does not queue another. */
const MAX_REMEMBERED_EXPOSURES = 100_000;

/**
 * Exposures and track() events, sent in batches to POST /events, as the service records its own
 * evaluations' exposures: so an experiment's results are the same wherever its flag is evaluated.
 * Each event is checked with the service's own schema before it is queued, so one the service would
 * refuse (a value out of range, a NUL character in a user id) is dropped alone; the service checks
 * each event on its own too, and lists those it refuses. A batch the service could not take (no
 * answer, 429, 5xx) is kept and retried with backoff; one it refused whole (other 4xx) is dropped.
 */
export class EventSender {
  private readonly queue: OutgoingEvent[] = [];
  private readonly remembered = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | undefined;
  private backoffMs = 0;
  private retryAt = 0;
  private readonly counts = { sent: 0, dropped: 0 };

  constructor(private readonly options: EventSenderOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  get stats(): EventStats {
    return { ...this.counts, pending: this.queue.length };
  }

  exposure(experiment: string, userId: string, variant: string, attributes: Attributes): void {
    const id = `${experiment}\u0000${userId}\u0000${variant}`;
    if (this.remembered.has(id)) return;
    const event: OutgoingEvent = {
      type: 'exposure',
      experiment,
      user_id: userId,
      variant,
      timestamp: this.timestamp(),
    };
    // The service decides the variant again with the same attributes, for rules that look at them.
    if (Object.keys(attributes).length > 0) event.attributes = attributes;
    if (!this.enqueue(event)) return;
    if (this.remembered.size >= MAX_REMEMBERED_EXPOSURES) this.remembered.clear();
    this.remembered.add(id);
  }

  track(event: string, userId: string, value: number | undefined): void {
    const outgoing: OutgoingEvent = {
      type: 'track',
      event,
      user_id: userId,
      timestamp: this.timestamp(),
      // A batch sent again after a lost answer is stored once.
      event_id: randomUUID(),
    };
    if (value !== undefined) outgoing.value = value;
    this.enqueue(outgoing);
  }

  /** Sends what is pending now (waits for a send under way first); resolves when done or failed. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.options.now() < this.retryAt) return;
    this.sending = this.sendAll().finally(() => (this.sending = undefined));
    return this.sending;
  }

  /** Stops the timer and sends what is pending, once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.retryAt = 0;
    await this.flush();
  }

  private timestamp(): string {
    return new Date(this.options.now()).toISOString();
  }

  private enqueue(event: OutgoingEvent): boolean {
    const checked = eventItemSchema.parse(event);
    if (checked.type === 'rejected') {
      this.counts.dropped++;
      this.options.warn(`a ${event.type} event was dropped, the service would refuse it: ${checked.reason}`);
      return false;
    }
    if (this.queue.length >= this.options.maxBufferedEvents) {
      this.counts.dropped++;
      return false;
    }
    this.queue.push(event);
    if (this.queue.length >= MAX_EVENTS_PER_BATCH && !this.sending) void this.flush();
    return true;
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_EVENTS_PER_BATCH);
      if (!(await this.send(batch))) {
        // Back in front, in order, for the next attempt.
        this.queue.unshift(...batch);
        return;
      }
    }
  }

  /** Whether the batch is done with (accepted, or refused for good). */
  private async send(batch: OutgoingEvent[]): Promise<boolean> {
    try {
      const response = await serviceRequest(new URL('events', this.options.base), this.options, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
      });
      const { rejected } = (await response.json()) as z.infer<typeof ingestResultSchema>;
      this.counts.sent += batch.length - rejected.length;
      this.counts.dropped += rejected.length;
      if (rejected.length > 0) {
        const { index, reason } = rejected[0];
        const first = `the first (${batch[index].type}): ${reason}`;
        this.options.warn(`${rejected.length} of ${batch.length} events refused by the service; ${first}`);
      }
      this.backoffMs = 0;
      return true;
    } catch (error) {
      const status = error instanceof ServiceRequestError ? error.status : undefined;
      // Every event was checked before it was queued: a whole batch refused means the service has other rules.
      if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408) {
        this.counts.dropped += batch.length;
        this.options.warn(`${batch.length} events dropped: ${(error as Error).message}`);
        return true;
      }
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.options.flushIntervalMs, this.backoffMs * 2));
      this.retryAt = this.options.now() + this.backoffMs;
      this.options.warn(`events not sent, trying again in ${this.backoffMs} ms: ${(error as Error).message}`);
      return false;
    }
  }
}
