import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  EVENTS_BODY_LIMIT_BYTES,
  eventExportQuerySchema,
  eventsBodySchema,
  ingestResultSchema,
} from './event-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import type { EventService } from './event-service.js';
import { sendRows } from '../../http/row-stream.js';

export const eventRoutes: FastifyPluginAsyncZod<{ eventService: EventService }> = async (app, { eventService }) => {
  app.post('/events', {
    // Sent by the applications that evaluate flags, with the keys they evaluate with.
    config: { addresses: 'environment' },
    // A full batch is larger than BODY_LIMIT_BYTES' default.
    bodyLimit: EVENTS_BODY_LIMIT_BYTES,
    schema: {
      tags: ['experiments'],
      summary: 'Record conversions (track) and exposures made elsewhere, up to 1,000 per batch; 202 once stored',
      description:
        'Each event is checked on its own: one with a bad field, an exposure the service would not make or a ' +
        'timestamp out of range is listed in `rejected` with its index and why, and the others are stored. A ' +
        'body that is not `{"events": [...]}` with 1–1,000 items is a 400.',
      body: eventsBodySchema,
      response: { 202: ingestResultSchema, ...problemResponses(400, 413, 415) },
    },
    handler: async (request, reply) => {
      const result = await eventService.ingest(
        request.environment,
        request.body.events.map((e) => {
          switch (e.type) {
            case 'track':
              return {
                type: 'track' as const,
                event: e.event,
                userId: e.user_id,
                value: e.value,
                timestamp: e.timestamp,
                eventId: e.event_id,
              };
            case 'exposure':
              return {
                type: 'exposure' as const,
                experiment: e.experiment,
                userId: e.user_id,
                variant: e.variant,
                timestamp: e.timestamp,
                attributes: e.attributes,
              };
            default:
              return e;
          }
        }),
      );
      return reply.code(202).send(result);
    },
  });

  app.get('/events/export', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Stored events, streamed as NDJSON or, with Accept: text/csv, CSV, in arrival order; ?after= resumes',
      querystring: eventExportQuerySchema,
      response: { 200: z.string().describe('One event per line: id, event_id, event, user_id, value, timestamp') },
    },
    handler: async (request, reply) => {
      const { from, to, event, after } = request.query;
      const rows = eventService.events(
        {
          environmentId: request.environment.environment.id,
          fromMs: from === undefined ? null : Date.parse(from),
          toMs: to === undefined ? null : Date.parse(to),
          event: event ?? null,
        },
        after ?? null,
      );
      return sendRows(request, reply, ['id', 'event_id', 'event', 'user_id', 'value', 'timestamp'], eventRows(rows));
    },
  });
};

async function* eventRows(rows: ReturnType<EventService['events']>) {
  for await (const r of rows) {
    yield {
      id: r.id,
      event_id: r.eventId,
      event: r.event,
      user_id: r.userId,
      value: r.value,
      timestamp: new Date(r.atMs).toISOString(),
    };
  }
}
