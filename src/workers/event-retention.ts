import fp from 'fastify-plugin';
import { EventService } from '../areas/experiments/event-service.js';
import type { Clock } from '../support/clock.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventService;
  }
}

/** Tracked events, and the sweep that deletes those older than EVENT_RETENTION_DAYS. */
export const eventRetentionPlugin = fp<{ clock: Clock; retentionDays: number }>(
  async (app, { clock, retentionDays }) => {
    const events = new EventService(app.experimentData, clock, retentionDays, app.log);
    app.decorate('events', events);
    app.addHook('onClose', async () => events.stop());
    events.start();
  },
  { name: 'event-retention', dependencies: ['experiment-store'] },
);
