import fp from 'fastify-plugin';
import type { Clock } from '../../support/clock.js';
import { healthRoutes } from './health-routes.js';
import { HealthService } from './health-service.js';

/** /health and /health/ready, from the database, the read model and the background writers. */
export const healthArea = fp<{ clock: Clock; version: string }>(
  async (app, { clock, version }) => {
    const { database, readModel, auth, rateLimitStore, writers } = app;
    const healthService = new HealthService(
      {
        pingDatabase: () => database.ping(),
        version,
        authEnabled: () => auth.enabled,
        rateLimits: rateLimitStore.state,
        snapshotConfirmedAt: () => readModel.sync.lastConfirmedAt,
        writers: () => writers.states,
      },
      clock,
    );
    app.addHook('preClose', async () => healthService.stop());
    await app.register(healthRoutes, { healthService });
  },
  { name: 'health', dependencies: ['database', 'read-model', 'access-control', 'rate-limit-store', 'writers'] },
);
