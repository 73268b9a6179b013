import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { ENVIRONMENT_ROUTES } from '../../http/route-prefixes.js';
import type { Clock } from '../../support/clock.js';
import { evaluationRoutes } from './evaluation-routes.js';
import { EvaluationService } from './evaluation-service.js';
import { ofrepRoutes } from './ofrep-routes.js';
import { OfrepService } from './ofrep-service.js';
import { RecentContexts } from './recent-contexts.js';
import { syncRoutes } from './sync-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** A sample of the users and attributes evaluated lately, which impact previews replay. */
    recentContexts: RecentContexts;
  }
}

/** Evaluation for users (native and OFREP, with its event stream) and the document in-process providers sync. */
export const evaluationArea = fp<{ config: Pick<Config, 'impactSampleUsers'>; clock: Clock }>(
  async (app, { config, clock }) => {
    const { readModel, auth, evaluationCounter, exposures } = app;
    const recentContexts = new RecentContexts(clock, config.impactSampleUsers);
    app.decorate('recentContexts', recentContexts);
    const evaluationService = new EvaluationService(evaluationCounter, exposures, recentContexts);
    const ofrepService = new OfrepService(evaluationCounter, exposures, recentContexts);
    const streams = { tokenFor: auth.streamToken.bind(auth), atLeast: readModel.atLeast };
    for (const prefix of ENVIRONMENT_ROUTES) {
      await app.register(evaluationRoutes, { prefix, evaluationService });
      await app.register(ofrepRoutes, { prefix, ofrepService, streams });
      await app.register(syncRoutes, { prefix, flagsAsCode: app.flagsAsCode, atLeast: readModel.atLeast });
    }
  },
  { name: 'evaluation', dependencies: ['read-model', 'access-control', 'exposures', 'flag-usage', 'projects'] },
);
