import { randomUUID } from 'node:crypto';
import type { Attributes } from '../../../src/core/targeting.js';
import { MAX_EVENTS_PER_BATCH } from '../../../src/schemas/events.js';
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
  /** Never sent: the buffer was full, or the service refused them as invalid (4xx). */
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
 * Exposures and conversions go in separate batches (the service refuses a whole batch of exposures
 * when one of them is not what it would assign, which must not cost the conversions). A batch the
 * service could not take (no answer, 429, 5xx) is kept and retried with backoff; one it refused as
 * invalid (other 4xx) is dropped and counted.
 */
export class EventSender {
  private readonly queues = { exposure: [] as OutgoingEvent[], track: [] as OutgoingEvent[] };
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
    return { ...this.counts, pending: this.queues.exposure.length + this.queues.track.length };
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
    if (this.stats.pending >= this.options.maxBufferedEvents) {
      this.counts.dropped++;
      return false;
    }
    const queue = this.queues[event.type];
    queue.push(event);
    if (queue.length >= MAX_EVENTS_PER_BATCH && !this.sending) void this.flush();
    return true;
  }

  private async sendAll(): Promise<void> {
    for (const queue of [this.queues.exposure, this.queues.track]) {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_EVENTS_PER_BATCH);
        if (!(await this.send(batch))) {
          // Back in front, in order, for the next attempt.
          queue.unshift(...batch);
          return;
        }
      }
    }
  }

  /** Whether the batch is done with (accepted, or refused for good). */
  private async send(batch: OutgoingEvent[]): Promise<boolean> {
    try {
      await serviceRequest(new URL('events', this.options.base), this.options, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
      });
      this.counts.sent += batch.length;
      this.backoffMs = 0;
      return true;
    } catch (error) {
      const status = error instanceof ServiceRequestError ? error.status : undefined;
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
