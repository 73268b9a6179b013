import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eventsBodySchema, ingestResultSchema } from '../schemas/events.js';
import { problemResponses } from '../schemas/problem.js';
import type { EventService } from '../services/event-service.js';

export const eventRoutes: FastifyPluginAsyncZod<{ eventService: EventService }> = async (app, { eventService }) => {
  app.post('/events', {
    // Sent by the applications that evaluate flags, with the keys they evaluate with.
    config: { access: 'evaluate' },
    schema: {
      tags: ['experiments'],
      summary: 'Record conversions (track) and exposures made elsewhere, up to 1,000 per batch; 202 once stored',
      body: eventsBodySchema,
      response: { 202: ingestResultSchema, ...problemResponses(400, 413, 415) },
    },
    handler: async (request, reply) => {
      const result = await eventService.ingest(
        request.body.events.map((e) =>
          e.type === 'track'
            ? {
                type: 'track' as const,
                event: e.event,
                userId: e.user_id,
                value: e.value,
                timestamp: e.timestamp,
                eventId: e.event_id,
              }
            : {
                type: 'exposure' as const,
                experiment: e.experiment,
                userId: e.user_id,
                variant: e.variant,
                timestamp: e.timestamp,
                attributes: e.attributes,
              },
        ),
      );
      return reply.code(202).send(result);
    },
  });
};
