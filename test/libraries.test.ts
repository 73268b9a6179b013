import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, registerMetrics, RequestMetrics } from '../src/plugins/metrics.js';
import { exposedHeaders, registerResponseHeaders } from '../src/plugins/response-headers.js';
import { ApiKeyRing } from '../src/read-model/api-key-ring.js';
import { AuthService } from '../src/areas/api-keys/auth-service.js';
import { EvaluationCounter } from '../src/areas/evaluation/evaluation-counter.js';
import { ManualClock } from './support/manual-clock.js';
import { ConfigSnapshot } from '../src/read-model/config-snapshot.js';

// What the library policy kept by hand (docs/performance.md) must answer as the library it replaces.

const ORIGINS: ('*' | string[])[] = ['*', ['https://app.example.com', 'https://admin.example.com']];

async function withRoute(register: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify();
  await register(app);
  app.get('/users/:user/flags', async () => ({ ok: true }));
  return app;
}

describe('CORS set by hand, against @fastify/cors', () => {
  it.each(ORIGINS)('sends what @fastify/cors sends to every cross-origin request (origins %j)', async (origins) => {
    const own = await withRoute((app) => registerResponseHeaders(app, origins));
    const library = await withRoute(
      async (app) => void (await app.register(fastifyCors, { origin: origins, exposedHeaders })),
    );
    for (const origin of ['https://app.example.com', 'https://evil.example.net']) {
      const request = { method: 'GET' as const, url: '/users/u1/flags', headers: { origin } };
      const [ours, theirs] = [(await own.inject(request)).headers, (await library.inject(request)).headers];
      expect(ours['access-control-allow-origin'], origin).toBe(theirs['access-control-allow-origin']);
      expect(ours.vary, origin).toBe(theirs.vary);
      // A browser reads the exposed headers only of a response it may read at all.
      if (theirs['access-control-allow-origin'] !== undefined) {
        expect(ours['access-control-expose-headers'], origin).toBe(theirs['access-control-expose-headers']);
      }
    }
  });
});

describe('request metrics, against prom-client', () => {
  it('expose the counter and histogram that prom-client builds from the same observations', async () => {
    const observations: [string, string, number, number][] = [
      ['GET', '/users/:user_id/flags/:flag_name', 200, 0.0004],
      ['GET', '/users/:user_id/flags/:flag_name', 200, 0.0025],
      ['GET', '/users/:user_id/flags/:flag_name', 404, 0.01],
      ['POST', '/flags', 201, 3],
      ['GET', 'unmatched', 400, 0],
    ];
    const own = new RequestMetrics();
    const registers = [new Registry()];
    const labelNames = ['method', 'route', 'status_code'] as const;
    const name = 'feature_flags_http_request';
    const counter = new Counter({ name: `${name}s_total`, help: 'x', labelNames, registers });
    const histogram = new Histogram({
      name: `${name}_duration_seconds`,
      help: 'x',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    for (const [method, route, status, seconds] of observations) {
      own.observe(method, route, status, seconds);
      const labels = { method, route, status_code: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
    }
    const app = Fastify();
    registerMetrics(app, {
      token: undefined,
      requests: own,
      evaluations: new EvaluationCounter(),
      sync: { revision: 0, lastConfirmedAt: 0, reloads: 0, partialReloads: 0 },
      authService: new AuthService(new ApiKeyRing(), undefined, new ManualClock()),
      ping: async () => undefined,
      rateLimits: () => 'memory',
      exposures: { written: 0, dropped: 0, size: 0 },
      snapshot: new ConfigSnapshot(new ManualClock()),
      staleFlags: async () => [],
      streams: { size: 0 },
      webhooks: { outcomes: { delivered: 0, retrying: 0, failed: 0 }, pending: async () => 0 },
      writers: () => [],
      clock: new ManualClock(),
    });
    const samples = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .sort();
    const ours = samples((await app.inject('/metrics')).body);
    expect(ours.length).toBeGreaterThan(observations.length * DURATION_BUCKETS.length);
    expect(ours).toEqual(samples(await registers[0].metrics()));
  });
});
