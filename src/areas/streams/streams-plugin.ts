import fp from 'fastify-plugin';
import { ENVIRONMENT_ROUTES } from '../../http/route-prefixes.js';
import { streamRoutes } from './stream-routes.js';

/** Server-sent events of an environment's changes. */
export const streamsArea = fp(
  async (app) => {
    const { hub, snapshot } = app.readModel;
    for (const prefix of ENVIRONMENT_ROUTES) {
      await app.register(streamRoutes, { prefix, hub, authService: app.auth, addresses: app.addressing, snapshot });
    }
  },
  { name: 'streams', dependencies: ['read-model', 'access-control', 'addressing'] },
);
