import fp from 'fastify-plugin';
import { ScheduleService } from '../areas/schedules/schedule-service.js';
import { PrismaScheduleReader } from '../areas/schedules/schedule-store.js';
import type { Clock } from '../support/clock.js';

declare module 'fastify' {
  interface FastifyInstance {
    schedules: ScheduleService;
  }
}

/** Every `checkIntervalMs` (SNAPSHOT_POLL_MS), writes due scheduled changes to their flags, as commands. */
export const schedulerPlugin = fp<{ clock: Clock; checkIntervalMs: number }>(
  async (app, { clock, checkIntervalMs }) => {
    const schedules = new ScheduleService(
      new PrismaScheduleReader(app.database.client),
      app.commands,
      app.readModel.snapshot,
      app.log,
      clock,
    );
    app.decorate('schedules', schedules);
    app.addHook('onClose', () => schedules.stop());
    schedules.start(checkIntervalMs);
  },
  { name: 'scheduler', dependencies: ['database', 'read-model', 'commands'] },
);
