// For the library policy (docs/performance.md): one well-kept library, or the service's own
// replacement of it, added to the floor the way it would serve the service, so the same run shows
// what each costs single-flag evaluation.
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, RequestMetrics } from '../src/plugins/metrics.js';
import { systemClock } from '../src/services/clock.js';
import { LocalRateLimiter, type RateLimiter, RedisRateLimiter } from '../src/services/rate-limiter.js';

// Limits far above the load, counted per API key as the service counts them.
const MAX = 1_000_000_000;
const WINDOW_MS = 60_000;
const keyOf = (authorization: string | undefined, ip: string) => authorization ?? ip;

function ownRateLimiter(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const counted = limiter.hit(keyOf(request.headers.authorization, request.ip));
    const verdict = (state: Awaited<typeof counted>) =>
      state?.exceeded ? new Error('rate limit exceeded') : undefined;
    if (counted instanceof Promise) counted.then((state) => done(verdict(state)), done);
    else done(verdict(counted));
  });
}

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

const redis = () =>
  new Redis(process.env.BENCH_REDIS_URL ?? '', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });

/** What FLOOR_PLUS names, added to the floor; the names are the rows bench/run.ts prints. */
export const libraryOnFloor: Record<string, (app: FastifyInstance) => Promise<void> | void> = {
  // Helmet's defaults: its 13 headers, in place of the service's 3 for API responses.
  '@fastify/helmet': async (app) => void (await app.register(fastifyHelmet)),
  // CORS from its plugin's hook on every request, beside the header the floor sets by hand.
  '@fastify/cors': async (app) => void (await app.register(fastifyCors, { origin: '*' })),
  // As the service would use it: counted per key, budget headers only on a 429 (as for evaluations).
  '@fastify/rate-limit': async (app) =>
    void (await app.register(fastifyRateLimit, {
      max: MAX,
      timeWindow: WINDOW_MS,
      enableDraftSpec: true,
      keyGenerator: (request) => keyOf(request.headers.authorization, request.ip),
      addHeadersOnExceeding: { 'ratelimit-limit': false, 'ratelimit-remaining': false, 'ratelimit-reset': false },
    })),
  'own rate limiter': (app) => ownRateLimiter(app, new LocalRateLimiter(MAX, WINDOW_MS, systemClock)),
  '@fastify/rate-limit, Redis store': async (app) =>
    void (await app.register(fastifyRateLimit, {
      max: MAX,
      timeWindow: WINDOW_MS,
      enableDraftSpec: true,
      redis: redis(),
      keyGenerator: (request) => keyOf(request.headers.authorization, request.ip),
      addHeadersOnExceeding: { 'ratelimit-limit': false, 'ratelimit-remaining': false, 'ratelimit-reset': false },
    })),
  'own rate limiter, Redis': (app) =>
    ownRateLimiter(app, new RedisRateLimiter(redis(), 'bench', MAX, WINDOW_MS, systemClock)),
  'prom-client histogram': promClientMetrics,
  'own request metrics': ownMetrics,
};
