import fp from 'fastify-plugin';
import { ENVIRONMENT_ROUTES } from '../../http/route-prefixes.js';
import { scheduleRoutes } from './schedule-routes.js';

/** Scheduled changes of a flag in one environment (the scheduler worker applies them). */
export const schedulesArea = fp(
  async (app) => {
    for (const prefix of ENVIRONMENT_ROUTES) {
      await app.register(scheduleRoutes, { prefix, scheduleService: app.schedules, commands: app.commands });
    }
  },
  { name: 'schedules', dependencies: ['commands', 'scheduler', 'addressing'] },
);
