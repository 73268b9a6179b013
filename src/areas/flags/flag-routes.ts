import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createFlagBodySchema,
  flagListQuerySchema,
  flagParamsSchema,
  flagSchema,
  toFlagResponse,
  updateFlagBodySchema,
} from './flag-schemas.js';
import { etagOnSend } from '../../http/etag.js';
import { fastSerializerCompiler } from '../../http/fast-serializer.js';
import { notModified, problemResponses } from '../../http/problem-schemas.js';
import type { Commands } from '../commands/command-handlers.js';
import type { FlagService } from './flag-service.js';
import { linkToNextPage } from '../../http/pages.js';

const flagPageSchema = z
  .object({
    flags: z.array(flagSchema),
    next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
  })
  .meta({ id: 'FlagPage' });

/**
 * The seed's flag endpoints: each flag as one environment has it (the API key's, else
 * default/production). Creating a flag here sets its definition and this environment's settings; the
 * project's other environments get it off. Deleting deletes it from the project.
 */
export const flagRoutes: FastifyPluginAsyncZod<{ flagService: FlagService; commands: Commands }> = async (
  app,
  { flagService, commands },
) => {
  app.post('/flags', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Create a flag',
      description: "Sets the flag's definition and this environment's settings; it is off in the project's others.",
      body: createFlagBodySchema,
      response: { 201: flagSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const { project, environment } = request.environment;
      const flag = await commands.run(
        {
          type: 'flag.create',
          project: project.key,
          environment: environment.key,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `/flags/${encodeURIComponent(flag.name)}`)
        .send(toFlagResponse(flag));
    },
  });

  app.get('/flags', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'List flags, sorted by name',
      description:
        'Without `limit`, every flag that matches, as a list. With `limit`, a page `{flags, next_cursor}`, the next ' +
        'page also in the Link header.',
      querystring: flagListQuerySchema,
      response: { 200: z.union([z.array(flagSchema), flagPageSchema]), 304: notModified, ...problemResponses(400) },
    },
    // Dashboards and SDKs poll this: fast serialisation, and 304 when nothing changed.
    serializerCompiler: fastSerializerCompiler,
    onSend: etagOnSend,
    handler: async (request, reply) => {
      const query = request.query;
      const page = await flagService.find(request.environment, query);
      const flags = page.items.map(toFlagResponse);
      if (query.limit === undefined) return flags;
      linkToNextPage(request, reply, page.nextCursor);
      return { flags, next_cursor: page.nextCursor };
    },
  });

  app.get('/flags/:flag_name', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Read a flag',
      params: flagParamsSchema,
      response: { 200: flagSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toFlagResponse(flagService.get(request.environment, request.params.flag_name)),
  });

  // PUT as the API has always documented it; PATCH because a partial update is what it means (RFC 5789).
  app.route({
    method: ['PUT', 'PATCH'],
    url: '/flags/:flag_name',
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Change some fields of a flag',
      description:
        'Partial update: only the fields sent change. Renaming is not allowed; unknown fields are rejected. ' +
        "Description, kind, tags and variants are the flag's definition, shared by the project's environments.",
      params: flagParamsSchema,
      body: updateFlagBodySchema,
      response: { 200: flagSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) => {
      const { project, environment } = request.environment;
      const flag = await commands.run(
        {
          type: 'flag.update',
          project: project.key,
          environment: environment.key,
          flag: request.params.flag_name,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return toFlagResponse(flag);
    },
  });

  app.delete('/flags/:flag_name', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Delete a flag from its project (every environment)',
      params: flagParamsSchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404, 409) },
    },
    handler: async (request, reply) => {
      const { project, environment } = request.environment;
      await commands.run(
        {
          type: 'flag.delete',
          project: project.key,
          environment: environment.key,
          flag: request.params.flag_name,
          payload: {},
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });
};
