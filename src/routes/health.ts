import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthSchema, livenessSchema } from '../schemas/health.js';
import type { HealthService } from '../services/health-service.js';

export const healthRoutes: FastifyPluginAsyncZod<{ healthService: HealthService }> = async (app, { healthService }) => {
  app.get('/health', {
    config: { access: 'public' },
    // Platforms poll this every few seconds; keep it out of the info log.
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'Readiness: 200 after a real database round trip, 503 when the database cannot be reached',
      description:
        'Evaluation keeps answering from memory while the database is down; use /health/live for restart decisions.',
      response: { 200: healthSchema, 503: healthSchema },
    },
    handler: async (_request, reply) => {
      const report = await healthService.check();
      // The database is the only dependency, so the service is as ready as it is.
      const state = report.databaseReachable ? 'ok' : 'unavailable';
      return reply.code(report.databaseReachable ? 200 : 503).send({
        status: state,
        database: state,
        version: report.version,
        uptime_seconds: report.uptimeSeconds,
        auth: report.authEnabled ? 'enabled' : 'disabled',
      });
    },
  });

  app.get('/health/live', {
    config: { access: 'public' },
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'Liveness: 200 while the process serves, even when the database is down',
      response: { 200: livenessSchema },
    },
    handler: async () => ({ status: 'ok' as const }),
  });
};
