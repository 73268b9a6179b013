// For the library policy (docs/performance.md): each library the service replaced by hand, or the
// service's replacement, added to the floor the way it would serve the service, so the same run shows
// what the library would cost single-flag evaluation.
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, RequestMetrics } from '../src/plugins/metrics.js';

function promClientMetrics(app: FastifyInstance): void {
  const registers = [new Registry()];
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames, registers });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'durations',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers,
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

function ownMetrics(app: FastifyInstance): void {
  const metrics = new RequestMetrics();
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** What FLOOR_PLUS names, added to the floor; the names are the rows bench/run.ts prints. */
export const libraryOnFloor: Record<string, (app: FastifyInstance) => Promise<void> | void> = {
  // Helmet's defaults: its 13 headers, in place of the service's 3 for API responses.
  '@fastify/helmet': async (app) => void (await app.register(fastifyHelmet)),
  // CORS from its plugin's hook on every request, beside the header the floor sets by hand.
  '@fastify/cors': async (app) => void (await app.register(fastifyCors, { origin: '*' })),
  'prom-client histogram': promClientMetrics,
  'own request metrics': ownMetrics,
};
