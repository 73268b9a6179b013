import type { Readable } from 'node:stream';
import { Webhook as Signer } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { DELIVERY_RETENTION_MS, retryDelayMs } from '../core/webhooks.js';
import type { ClaimedDelivery, DeliveryOutcome, WebhookStore } from '../areas/webhooks/webhook-store.js';
import { isRefusedData } from '../db/prisma-errors.js';
import type { WriterHealth } from './background-writers.js';
import type { Clock } from '../support/clock.js';
import { guardedLookup, type NetworkPolicy, urlRefusal } from '../support/network-guard.js';
import fp from 'fastify-plugin';

/** Deliveries one instance sends at a time. */
const BATCH = 20;
/** How often settled deliveries past their retention are deleted. */
export const PRUNE_EVERY_MS = 3_600_000;
/** What is kept of a receiver's answer. */
const KEPT_RESPONSE_CHARS = 1024;

export interface WorkerOptions extends NetworkPolicy {
  /** A delivery that takes longer fails (and is tried again). */
  timeoutMs: number;
  /** For the jitter of retry delays. */
  random?: () => number;
}

/**
 * Reads at most `limit` characters of a body, then stops reading: a receiver's answer is not stored
 * whole. Decoding makes it valid Unicode; U+0000, which PostgreSQL's text refuses, becomes U+FFFD.
 */
async function firstCharacters(body: Readable, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.length >= limit) break;
  }
  body.destroy();
  return text.slice(0, limit).replaceAll('\u0000', '\uFFFD');
}

/**
 * A URL's user and password as HTTP Basic authentication (RFC 7617), as curl and browsers send them:
 * undici would drop them silently.
 */
function basicAuthorization(url: URL): { authorization?: string } {
  if (url.username === '' && url.password === '') return {};
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function withoutCredentials(url: URL): URL {
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return bare;
}

/**
 * Sends the outbox: every instance claims due deliveries every SNAPSHOT_POLL_MS (a lease, so exactly one sends
 * each attempt), signs them as Standard Webhooks defines, and records how each went. Failures are
 * tried again with exponential backoff and jitter until 24 hours after the change, then marked
 * failed. Redirects are not followed, and an answer over 1 KB is cut.
 */
export class WebhookWorker {
  private stopPolling: (() => void) | undefined;
  private stopPruning: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly random: () => number;
  /** Connects only where network-guard.ts allows, checked on each connection's own lookup. */
  private readonly agent: Agent;
  /** Attempts by how they ended, for /metrics. */
  readonly outcomes = { delivered: 0, retrying: 0, failed: 0 };

  constructor(
    private readonly store: WebhookStore,
    private readonly clock: Clock,
    private readonly options: WorkerOptions,
    private readonly health: WriterHealth,
  ) {
    this.random = options.random ?? Math.random;
    this.agent = new Agent(options.allowPrivateNetworks ? {} : { connect: { lookup: guardedLookup } });
  }

  /** Looks for due deliveries every `pollMs` (SNAPSHOT_POLL_MS: when each instance looks at the database for work). */
  start(pollMs: number): void {
    this.stopPolling = this.clock.every(pollMs, () => this.deliverDue());
    this.stopPruning = this.clock.every(PRUNE_EVERY_MS, () => this.prune());
  }

  async stop(): Promise<void> {
    this.stopPolling?.();
    this.stopPruning?.();
    await this.running;
    await this.agent.close();
  }

  /** Deletes deliveries settled more than DELIVERY_RETENTION_MS ago: the outbox does not grow without end. */
  async prune(): Promise<void> {
    try {
      await this.store.prune(this.clock.now() - DELIVERY_RETENTION_MS);
    } catch (error) {
      this.health.failed(error, { task: 'deleting deliveries past their retention; again in an hour' });
    }
  }

  /** One pass at a time: claims what is due and sends it. */
  deliverDue(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    let claimed: ClaimedDelivery[];
    try {
      // Leased for twice the timeout: past that, the instance sending it is taken to be gone.
      claimed = await this.store.claim(this.clock.now(), 2 * this.options.timeoutMs, BATCH);
    } catch (error) {
      this.health.failed(error, { task: 'reading the outbox' });
      return;
    }
    this.health.succeeded();
    await Promise.all(claimed.map((delivery) => this.send(delivery)));
  }

  private async send(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    this.outcomes[outcome.status === 'pending' ? 'retrying' : outcome.status]++;
    try {
      await this.store.settle(delivery.id, outcome);
    } catch (error) {
      if (isRefusedData(error)) {
        await this.settleWithoutAnswer(delivery, outcome, error);
        return;
      }
      // Its lease runs out and it is sent again: at least once, the receiver deduplicating by webhook-id.
      this.health.failed(error, { delivery: delivery.id });
    }
  }

  /**
   * The database refused what the outcome holds: the outcome is recorded without the receiver's
   * answer, counted as a dropped row, rather than the delivery being sent again for ever.
   */
  private async settleWithoutAnswer(delivery: ClaimedDelivery, outcome: DeliveryOutcome, refusal: unknown) {
    this.health.droppedRow({ delivery: delivery.id, status: outcome.status }, refusal);
    const error = outcome.error === null ? null : 'the outcome could not be stored as it came';
    try {
      await this.store.settle(delivery.id, { ...outcome, response: null, error });
    } catch (again) {
      this.health.failed(again, { delivery: delivery.id });
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const webhook = delivery.webhook;
    const at = this.clock.now();
    const failed = (
      error: string,
      statusCode: number | null = null,
      latencyMs: number | null = null,
      response: string | null = null,
    ) => {
      const attempts = delivery.attempts + 1;
      const next = at + retryDelayMs(attempts, this.random());
      const giveUp = !webhook || next > delivery.deadlineAt;
      return {
        status: giveUp ? ('failed' as const) : ('pending' as const),
        at,
        nextAttemptAt: giveUp ? at : next,
        statusCode,
        error,
        latencyMs,
        response,
      };
    };
    if (!webhook) return failed('the webhook was deleted');
    if (!webhook.enabled) return failed('the webhook is disabled');
    const url = new URL(webhook.url);
    // A name is checked as it is connected to (guardedLookup); a literal address is never looked up.
    const refused = urlRefusal(url, this.options);
    if (refused) return failed(refused.message);
    const started = performance.now();
    try {
      const timestamp = new Date(at);
      const response = await request(withoutCredentials(url), {
        method: 'POST',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'feature-flags-service webhooks',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(at / 1000)),
          'webhook-signature': new Signer(webhook.secret).sign(delivery.id, timestamp, delivery.payload),
          ...basicAuthorization(url),
        },
        body: delivery.payload,
      });
      const status = response.statusCode;
      const text = await firstCharacters(response.body, KEPT_RESPONSE_CHARS);
      const latencyMs = Math.round(performance.now() - started);
      if (status >= 200 && status < 300) {
        return {
          status: 'delivered',
          at,
          nextAttemptAt: at,
          statusCode: status,
          error: null,
          latencyMs,
          response: text,
        };
      }
      const why = status >= 300 && status < 400 ? 'redirects are not followed' : `HTTP ${status}`;
      return failed(why, status, latencyMs, text);
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const timedOut = (error as Error).name === 'TimeoutError';
      return failed(
        timedOut ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message,
        null,
        latencyMs,
      );
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    webhookDelivery: WebhookWorker;
  }
}

/** Sends the outbox's due deliveries, looking every `pollMs` (SNAPSHOT_POLL_MS). */
export const webhookDeliveryPlugin = fp<{ clock: Clock; options: WorkerOptions; pollMs: number }>(
  async (app, { clock, options, pollMs }) => {
    const worker = new WebhookWorker(app.webhookStore, clock, options, app.writers.add('webhooks'));
    app.decorate('webhookDelivery', worker);
    app.addHook('onClose', () => worker.stop());
    worker.start(pollMs);
  },
  { name: 'webhook-delivery', dependencies: ['webhook-store', 'writers'] },
);
