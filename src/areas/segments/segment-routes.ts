import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../../http/problem-schemas.js';
import {
  createSegmentBodySchema,
  segmentParamsSchema,
  segmentSchema,
  toSegmentResponse,
  updateSegmentBodySchema,
} from './segment-schemas.js';
import type { Commands } from '../commands/command-handlers.js';
import type { SegmentService } from './segment-service.js';

export const segmentRoutes: FastifyPluginAsyncZod<{ segmentService: SegmentService; commands: Commands }> = async (
  app,
  { segmentService, commands },
) => {
  app.post('/segments', {
    config: { addresses: 'project' },
    schema: {
      tags: ['segments'],
      summary: 'Create a segment: listed users, plus whoever meets all its conditions',
      body: createSegmentBodySchema,
      response: { 201: segmentSchema, ...problemResponses(400, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const segment = await commands.run(
        { type: 'segment.create', project: request.project.project.key, payload: request.body, preparedAgainst: [] },
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `${request.url.replace(/\/?(\?.*)?$/, '')}/${encodeURIComponent(segment.name)}`)
        .send(toSegmentResponse(segment));
    },
  });

  app.get('/segments', {
    config: { addresses: 'project' },
    schema: {
      tags: ['segments'],
      summary: 'List all segments, sorted by name',
      response: { 200: z.array(segmentSchema) },
    },
    handler: async (request) => segmentService.list(request.project).map(toSegmentResponse),
  });

  app.get('/segments/:segment_name', {
    config: { addresses: 'project' },
    schema: {
      tags: ['segments'],
      summary: 'Read a segment',
      params: segmentParamsSchema,
      response: { 200: segmentSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toSegmentResponse(segmentService.get(request.project, request.params.segment_name)),
  });

  // PUT and PATCH alike, as for flags.
  app.route({
    method: ['PUT', 'PATCH'],
    url: '/segments/:segment_name',
    config: { addresses: 'project' },
    schema: {
      tags: ['segments'],
      summary: 'Change some fields of a segment',
      params: segmentParamsSchema,
      body: updateSegmentBodySchema,
      response: { 200: segmentSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request) =>
      toSegmentResponse(
        await commands.run(
          {
            type: 'segment.update',
            project: request.project.project.key,
            segment: request.params.segment_name,
            payload: request.body,
            preparedAgainst: [],
          },
          request.principal,
        ),
      ),
  });

  app.delete('/segments/:segment_name', {
    config: { addresses: 'project' },
    schema: {
      tags: ['segments'],
      summary: 'Delete a segment; 409 naming the flags whose rules still use it',
      params: segmentParamsSchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404, 409) },
    },
    handler: async (request, reply) => {
      await commands.run(
        {
          type: 'segment.delete',
          project: request.project.project.key,
          segment: request.params.segment_name,
          payload: {},
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });
};
