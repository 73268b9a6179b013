import fp from 'fastify-plugin';
import { ENVIRONMENT_ROUTES } from '../../http/route-prefixes.js';
import type { Clock } from '../../support/clock.js';
import { eventRoutes } from './event-routes.js';
import { experimentRoutes } from './experiment-routes.js';
import { ExperimentService } from './experiment-service.js';

/** Experiments, the events they measure, and their results. */
export const experimentsArea = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    const experimentService = new ExperimentService(app.experimentData, clock);
    for (const prefix of ENVIRONMENT_ROUTES) {
      await app.register(experimentRoutes, { prefix, experimentService, commands: app.commands });
      await app.register(eventRoutes, { prefix, eventService: app.events });
    }
  },
  { name: 'experiments', dependencies: ['experiment-store', 'commands', 'event-retention', 'addressing'] },
);
