import fp from 'fastify-plugin';
import type { Clock } from '../../support/clock.js';
import { flagRoutes } from './flag-routes.js';
import { FlagService } from './flag-service.js';
import { ImpactService } from './impact-service.js';
import { projectFlagRoutes } from './project-flag-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    flagService: FlagService;
  }
}

/** Flags: their definitions, their settings in each environment, and what a change would do before it is made. */
export const flagsArea = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    const { commands } = app;
    const flagService = new FlagService(app.readModel.snapshot, app.flagUsage, clock);
    app.decorate('flagService', flagService);
    const impactService = new ImpactService(flagService, app.recentContexts);
    await app.register(flagRoutes, { flagService, commands });
    await app.register(projectFlagRoutes, { commands, flagService, impactService });
  },
  { name: 'flags', dependencies: ['commands', 'read-model', 'flag-usage', 'evaluation'] },
);
