import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UnauthorizedError } from '../errors.js';
import type { EvaluationCounter } from '../services/evaluation-counter.js';

export interface MetricsSources {
  /** When set, scrapes must send "Authorization: Bearer <token>". */
  token: string | undefined;
  evaluations: EvaluationCounter;
  sync: { readonly revision: number; readonly lastConfirmedAt: number };
  authService: { readonly enabled: boolean };
  ping: () => Promise<void>;
}

const PREFIX = 'feature_flags_';

function tokenMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics in Prometheus text format, from a registry of this app's own (tests build many apps). */
export function registerMetrics(app: FastifyInstance, sources: MetricsSources): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by route template, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from request received to response sent, by route template, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Counter({
    name: `${PREFIX}evaluations_total`,
    help: 'Flag evaluations by flag and result',
    labelNames: ['flag', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [flag, { on, off }] of sources.evaluations.entries()) {
        if (on) this.inc({ flag, result: 'on' }, on);
        if (off) this.inc({ flag, result: 'off' }, off);
      }
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
  new Gauge({
    name: `${PREFIX}snapshot_age_seconds`,
    help: 'Seconds since the in-memory snapshot was last confirmed current against the database',
    registers: [registry],
    collect() {
      this.set((Date.now() - sources.sync.lastConfirmedAt) / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}database_up`,
    help: '1 when a database round trip succeeds at scrape time, else 0',
    registers: [registry],
    async collect() {
      this.set(await sources.ping().then(() => 1, () => 0));
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

  // Children are cached per label set: looking them up by label object on every request costs more.
  const children = new Map<string, { requests: { inc(): void }; durations: { observe(value: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method: request.method, route, status_code: String(reply.statusCode) };
      child = { requests: requests.labels(labels), durations: durations.labels(labels) };
      children.set(key, child);
    }
    child.requests.inc();
    child.durations.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', {
    config: { access: 'public' },
    logLevel: 'warn',
    schema: { hide: true },
    handler: async (request, reply) => {
      if (sources.token !== undefined && !tokenMatches(request.headers.authorization, sources.token)) {
        throw new UnauthorizedError('GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"');
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  });
}
