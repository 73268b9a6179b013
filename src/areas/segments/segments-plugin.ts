import fp from 'fastify-plugin';
import { PROJECT_ROUTES } from '../../http/route-prefixes.js';
import { segmentRoutes } from './segment-routes.js';
import { SegmentService } from './segment-service.js';

/** Segments, per project (and the default project's at the root). */
export const segmentsArea = fp(
  async (app) => {
    const segmentService = new SegmentService();
    for (const prefix of PROJECT_ROUTES)
      await app.register(segmentRoutes, { prefix, segmentService, commands: app.commands });
  },
  { name: 'segments', dependencies: ['commands', 'addressing'] },
);
