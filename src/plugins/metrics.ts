import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, type Histogram, Registry } from 'prom-client';
import { UnauthorizedError } from '../errors.js';
import type { AuthService } from '../areas/api-keys/auth-service.js';
import type { Clock } from '../support/clock.js';
import type { RateLimitState } from '../areas/health/health-service.js';
import type { EvaluationCounter } from '../areas/evaluation/evaluation-counter.js';
import type { ConfigSnapshot } from '../read-model/config-snapshot.js';
import type { WriterState } from '../workers/background-writers.js';

export interface MetricsSources {
  /**
   * When set, scrapes must send "Authorization: Bearer <token>". When not, and keys are in use,
   * scrapes need a global admin key: the metrics name every project's flags and how often each is on.
   */
  token: string | undefined;
  /** Also fed by what is answered before routing (see serverOptions in app.ts). */
  requests: RequestMetrics;
  evaluations: EvaluationCounter;
  sync: {
    readonly revision: number;
    readonly lastConfirmedAt: number;
    readonly reloads: number;
    readonly partialReloads: number;
  };
  authService: Pick<AuthService, 'enabled'>;
  ping: () => Promise<void>;
  rateLimits: () => RateLimitState;
  exposures: { readonly written: number; readonly dropped: number; readonly size: number };
  /** Stale flags per project (workers/flag-usage.ts says which are). */
  staleFlags: () => Promise<{ project: string; count: number }[]>;
  /** Open event streams on this instance. */
  streams: { readonly size: number };
  webhooks: {
    /** This instance's attempts by how they ended. */
    readonly outcomes: Readonly<Record<'delivered' | 'retrying' | 'failed', number>>;
    /** Deliveries waiting in the outbox, for every instance. */
    pending: () => Promise<number>;
  };
  /** The background writers, with the rows each dropped. */
  writers: () => WriterState[];
  /** Names the project and environment of each evaluation count. */
  snapshot: ConfigSnapshot;
  clock: Clock;
}

const PREFIX = 'feature_flags_';
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface RequestSeries {
  labels: { method: string; route: string; status_code: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative), the last one for "+Inf". */
  buckets: number[];
}

/**
 * Request counts and latencies, recorded with plain additions and turned into Prometheus samples
 * only when scraped: prom-client's labelled histogram re-hashes its labels on every observation,
 * which costs more than the library policy's 3% of single-flag evaluation (docs/performance.md;
 * test/libraries.test.ts checks the samples against prom-client's own). prom-client formats them:
 * its registry reads any metric through get(), which these two objects answer, but it types
 * registerMetric() for its own classes only, hence the casts where they are registered.
 */
export class RequestMetrics {
  private readonly series = new Map<string, RequestSeries>();

  /**
   * A request answered before routing (a malformed path, or HTTP that Node rejected), where no route
   * and no start time exist: counted under route "unmatched", with no duration. Node gives no method
   * for what it could not parse.
   */
  readonly countUnrouted = (method: string | undefined, status: number): void =>
    this.observe(method ?? 'UNKNOWN', 'unmatched', status, 0);

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(status) },
        count: 0,
        sum: 0,
        buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
      };
      this.series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]) bucket++;
    series.buckets[bucket]++;
  }

  readonly counter = {
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by route template, method and status',
    type: 'counter',
    aggregator: 'sum',
    get: async () => ({
      ...this.counter,
      values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.count })),
    }),
  };

  readonly histogram = {
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from request received to response sent, by route template, method and status',
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({
      ...this.histogram,
      values: [...this.series.values()].flatMap((s) => {
        let cumulative = 0;
        const name = this.histogram.name;
        return [
          ...[...DURATION_BUCKETS, '+Inf' as const].map((le, i) => ({
            metricName: `${name}_bucket`,
            labels: { le, ...s.labels },
            value: (cumulative += s.buckets[i]),
          })),
          { metricName: `${name}_sum`, labels: s.labels, value: s.sum },
          { metricName: `${name}_count`, labels: s.labels, value: s.count },
        ];
      }),
    }),
  };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics in Prometheus text format, from a registry of this app's own (tests build many apps). */
export function registerMetrics(app: FastifyInstance, sources: MetricsSources): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const { requests } = sources;
  registry.registerMetric(requests.counter as unknown as Counter);
  registry.registerMetric(requests.histogram as unknown as Histogram);
  new Counter({
    name: `${PREFIX}evaluations_total`,
    help: 'Flag evaluations by project, environment, flag and result',
    labelNames: ['project', 'environment', 'flag', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { environmentId, flagName: flag, on, off } of sources.evaluations.values()) {
        // Counts of an environment deleted since are no longer reported.
        const view = sources.snapshot.environment(environmentId);
        if (!view) continue;
        const labels = { project: view.project.key, environment: view.environment.key, flag };
        if (on) this.inc({ ...labels, result: 'on' }, on);
        if (off) this.inc({ ...labels, result: 'off' }, off);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}stale_flags`,
    help: "Flags past their kind's expected lifetime or not evaluated for 30 days, by project: candidates for removal",
    labelNames: ['project'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { project, count } of await sources.staleFlags()) this.set({ project }, count);
    },
  });
  new Gauge({
    name: `${PREFIX}snapshot_revision`,
    help: 'Database revision of the in-memory flags and keys',
    registers: [registry],
    collect() {
      this.set(sources.sync.revision);
    },
  });
  new Counter({
    name: `${PREFIX}snapshot_reloads_total`,
    help: 'Full reloads of flags, segments and keys from the database; each costs CPU in proportion to their number',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.sync.reloads);
    },
  });
  new Counter({
    name: `${PREFIX}snapshot_partial_reloads_total`,
    help:
      'Reads of only the flags, segments, schedules and keys changed since the snapshot, by another instance or by ' +
      'hand',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.sync.partialReloads);
    },
  });
  new Gauge({
    name: `${PREFIX}snapshot_age_seconds`,
    help: 'Seconds since the in-memory snapshot was last confirmed current against the database',
    registers: [registry],
    collect() {
      this.set((sources.clock.now() - sources.sync.lastConfirmedAt) / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}database_up`,
    help: '1 when a database round trip succeeds at scrape time, else 0',
    registers: [registry],
    async collect() {
      this.set(
        await sources.ping().then(
          () => 1,
          () => 0,
        ),
      );
    },
  });
  new Counter({
    name: `${PREFIX}exposures_written_total`,
    help: 'Experiment exposures written to the database (a user seen again after a write is written again)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.exposures.written);
    },
  });
  new Counter({
    name: `${PREFIX}exposures_dropped_total`,
    help: 'Experiment exposures dropped because the buffer was full (the database could not keep up or was down)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.exposures.dropped);
    },
  });
  new Gauge({
    name: `${PREFIX}exposures_buffered`,
    help: 'Experiment exposures waiting in memory to be written',
    registers: [registry],
    collect() {
      this.set(sources.exposures.size);
    },
  });
  new Gauge({
    name: `${PREFIX}streams_open`,
    help: 'Open event streams (GET /stream and OFREP) on this instance',
    registers: [registry],
    collect() {
      this.set(sources.streams.size);
    },
  });
  new Counter({
    name: `${PREFIX}webhook_attempts_total`,
    help:
      'Webhook delivery attempts by this instance: delivered, retrying (failed, tried again later) or failed ' +
      '(given up)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, count] of Object.entries(sources.webhooks.outcomes)) this.inc({ result }, count);
    },
  });
  new Gauge({
    name: `${PREFIX}webhook_deliveries_pending`,
    help:
      'Webhook deliveries waiting to be sent or tried again, for all instances: a growing number is a receiver ' +
      'down',
    registers: [registry],
    async collect() {
      this.set(await sources.webhooks.pending());
    },
  });
  new Counter({
    name: `${PREFIX}writer_dropped_rows_total`,
    help:
      'Rows a background writer (exposures, flag_usage, webhooks) dropped because the database refused what they ' +
      'hold; each is logged',
    labelNames: ['writer'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const writer of sources.writers()) this.inc({ writer: writer.name }, writer.droppedRows);
    },
  });
  new Gauge({
    name: `${PREFIX}writer_failing_seconds`,
    help: 'How long a background writer has been failing to write (0 while it writes); /health degrades at 60',
    labelNames: ['writer'] as const,
    registers: [registry],
    collect() {
      const now = sources.clock.now();
      for (const writer of sources.writers()) {
        this.set({ writer: writer.name }, writer.failingSince === null ? 0 : (now - writer.failingSince) / 1000);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}rate_limits_enforced`,
    help: '1 while rate limits are counted (in memory, or in a reachable Redis); 0 while they are off or Redis is down',
    registers: [registry],
    collect() {
      const state = sources.rateLimits();
      this.set(state === 'memory' || state === 'redis' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}auth_enabled`,
    help: '1 when API keys are required, 0 while the service is open to anyone',
    registers: [registry],
    collect() {
      this.set(sources.authService.enabled ? 1 : 0);
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    requests.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  // With METRICS_TOKEN, the scraper's token and nothing else; without it, whoever holds metrics.read
  // (every project's flags and counts are in it), checked like any route.
  const token = sources.token;
  app.get('/metrics', {
    config: { unlimited: true, ...(token !== undefined && { checksCallerItself: true }) },
    logLevel: 'warn',
    schema: { hide: true },
    handler: async (request, reply) => {
      if (token !== undefined && !tokenMatches(request.headers.authorization, token)) {
        throw new UnauthorizedError('GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"');
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  });
}

/**
 * GET /metrics from what the other plugins decorate the app with. Registered before the routes, so
 * its request timing covers them; the flags area's service is only read at scrape time.
 */
export const metricsPlugin = fp<Pick<MetricsSources, 'token' | 'requests' | 'clock'>>(
  async (app, { token, requests, clock }) => {
    const { database, readModel, webhookDelivery } = app;
    registerMetrics(app, {
      token,
      requests,
      evaluations: app.evaluationCounter,
      sync: readModel.sync,
      authService: app.auth,
      ping: () => database.ping(),
      rateLimits: app.rateLimitStore.state,
      exposures: app.exposures,
      snapshot: readModel.snapshot,
      staleFlags: () => app.flagService.staleCounts(),
      streams: readModel.hub,
      webhooks: { outcomes: webhookDelivery.outcomes, pending: () => app.webhookStore.pendingCount() },
      writers: () => app.writers.states,
      clock,
    });
  },
  {
    name: 'metrics',
    dependencies: [
      'database',
      'webhook-store',
      'read-model',
      'access-control',
      'rate-limit-store',
      'exposures',
      'flag-usage',
    ],
  },
);
