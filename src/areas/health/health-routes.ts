import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { healthSchema, livenessSchema, readinessSchema } from './health-schemas.js';
import type { HealthService } from './health-service.js';

type HealthResponse = z.infer<typeof healthSchema>;

export const healthRoutes: FastifyPluginAsyncZod<{ healthService: HealthService }> = async (app, { healthService }) => {
  app.get('/health', {
    // Platforms poll this every few seconds; keep it out of the info log.
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary:
        'For monitoring: 200 when the database answers a round trip, rate limits are counted and every ' +
        'background writer writes, else 503',
      description:
        'Alert on it; do not route or restart on it. Evaluation keeps answering from memory while the database ' +
        'is down: load balancers and platforms use /health/ready. "degraded": rate limits cannot be counted, or a ' +
        'background writer (exposures, flag usage, webhook deliveries) has failed for 60 seconds.',
      response: { 200: healthSchema, 503: healthSchema },
    },
    handler: async (_request, reply) => {
      const report = await healthService.check();
      const database = report.databaseReachable ? 'ok' : 'unavailable';
      const status = !report.databaseReachable
        ? 'unavailable'
        : report.rateLimits === 'redis-unreachable' || report.writers.some((writer) => writer.failingTooLong)
          ? 'degraded'
          : 'ok';
      return reply.code(status === 'ok' ? 200 : 503).send({
        status,
        database,
        rate_limits: report.rateLimits,
        version: report.version,
        uptime_seconds: report.uptimeSeconds,
        auth: report.authEnabled ? 'enabled' : 'disabled',
        writers: Object.fromEntries(
          report.writers.map((writer) => [
            writer.name,
            {
              status: writer.failingSince === null ? 'ok' : writer.failingTooLong ? 'failing' : 'retrying',
              failing_since: writer.failingSince === null ? null : new Date(writer.failingSince).toISOString(),
              dropped_rows: writer.droppedRows,
            },
          ]),
        ) as HealthResponse['writers'],
      });
    },
  });

  app.get('/health/ready', {
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'For load balancers and platform health checks: 200 while this instance serves evaluations',
      description:
        'It serves from its in-memory snapshot, database or not, so a database outage takes no instance out of ' +
        'rotation. 503 only while the instance shuts down.',
      response: { 200: readinessSchema, 503: readinessSchema },
    },
    handler: async (_request, reply) => {
      const { serving, snapshotAgeSeconds } = healthService.readiness();
      return reply
        .code(serving ? 200 : 503)
        .send({ status: serving ? 'ok' : 'unavailable', snapshot_age_seconds: snapshotAgeSeconds });
    },
  });

  app.get('/health/live', {
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'Liveness: 200 while the process serves, even when the database is down',
      response: { 200: livenessSchema },
    },
    handler: async () => ({ status: 'ok' as const }),
  });
};
