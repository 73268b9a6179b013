import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { z } from 'zod';
import {
  createDefinitionBodySchema,
  definitionPageSchema,
  definitionSchema,
  updateDefinitionBodySchema,
} from './definition-schemas.js';
import {
  flagListQuerySchema,
  flagSchema,
  impactSchema,
  toImpactResponse,
  toFlagResponse,
  updateSettingsBodySchema,
} from './flag-schemas.js';
import { notModified, problemResponses } from '../../http/problem-schemas.js';
import {
  environmentFlagParamsSchema,
  environmentParamsSchema,
  projectFlagParamsSchema,
  projectParamsSchema,
} from '../projects/project-schemas.js';
import { toDefinitionResponse } from './definition-schemas.js';
import { etagOnSend } from '../../http/etag.js';
import type { Commands } from '../commands/command-handlers.js';
import type { FlagService } from './flag-service.js';

import type { ImpactService } from './impact-service.js';

import { linkToNextPage } from '../../http/pages.js';

interface Services {
  commands: Commands;
  flagService: FlagService;
  impactService: ImpactService;
}

const project = { addresses: 'project' } as const;
const environment = { addresses: 'environment' } as const;

/** A project's flags: their definitions (one per project) and their settings in each environment. */
export const projectFlagRoutes: FastifyPluginAsyncZod<Services> = async (
  app,
  { commands, flagService, impactService },
) => {
  app.get('/projects/:project/flags', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "A project's flags with each environment's state and whether they are stale",
      description: 'Filter by ?q=, ?tag=, ?stale=; ?limit= pages, the next page in next_cursor and the Link header.',
      params: projectParamsSchema,
      querystring: flagListQuerySchema,
      response: { 200: definitionPageSchema, ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const page = await flagService.findDefinitions(request.project, request.query);
      linkToNextPage(request, reply, page.nextCursor);
      return { flags: page.items.map(toDefinitionResponse), next_cursor: page.nextCursor };
    },
  });

  app.post('/projects/:project/flags', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Create a flag: its definition, off in every environment',
      params: projectParamsSchema,
      body: createDefinitionBodySchema,
      response: { 201: definitionSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const created = await commands.run(
        {
          type: 'flag_definition.create',
          project: request.project.project.key,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      const view = await flagService.getDefinitionInUse(request.project, created.name);
      return reply
        .code(201)
        .header('location', `/projects/${request.project.project.key}/flags/${created.name}`)
        .send(toDefinitionResponse(view));
    },
  });

  app.get('/projects/:project/flags/:flag_name', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "A flag's definition, each environment's state, and whether it is stale",
      params: projectFlagParamsSchema,
      response: { 200: definitionSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) =>
      toDefinitionResponse(await flagService.getDefinitionInUse(request.project, request.params.flag_name)),
  });

  app.patch('/projects/:project/flags/:flag_name', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "Change a flag's definition: description, kind, tags, variants",
      params: projectFlagParamsSchema,
      body: updateDefinitionBodySchema,
      response: { 200: definitionSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) => {
      await commands.run(
        {
          type: 'flag_definition.update',
          project: request.project.project.key,
          flag: request.params.flag_name,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return toDefinitionResponse(await flagService.getDefinitionInUse(request.project, request.params.flag_name));
    },
  });

  app.delete('/projects/:project/flags/:flag_name', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Delete a flag from every environment of the project',
      params: projectFlagParamsSchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404, 409) },
    },
    handler: async (request, reply) => {
      await commands.run(
        {
          type: 'flag.delete',
          project: request.project.project.key,
          environment: null,
          flag: request.params.flag_name,
          payload: {},
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });

  app.get('/projects/:project/environments/:environment/flags', {
    config: environment,
    schema: {
      tags: ['projects'],
      summary: "An environment's flags, as it evaluates them",
      params: environmentParamsSchema,
      querystring: flagListQuerySchema,
      response: {
        200: z.object({ flags: z.array(flagSchema), next_cursor: z.string().nullable() }),
        304: notModified,
        ...problemResponses(400, 404),
      },
    },
    onSend: etagOnSend,
    handler: async (request, reply) => {
      const page = await flagService.find(request.environment, request.query);
      linkToNextPage(request, reply, page.nextCursor);
      return { flags: page.items.map(toFlagResponse), next_cursor: page.nextCursor };
    },
  });

  app.get('/projects/:project/environments/:environment/flags/:flag_name', {
    config: environment,
    schema: {
      tags: ['projects'],
      summary: 'A flag as one environment evaluates it',
      params: environmentFlagParamsSchema,
      response: { 200: flagSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toFlagResponse(flagService.get(request.environment, request.params.flag_name)),
  });

  app.patch('/projects/:project/environments/:environment/flags/:flag_name', {
    config: environment,
    schema: {
      tags: ['projects'],
      summary: "Change a flag's settings in one environment",
      params: environmentFlagParamsSchema,
      body: updateSettingsBodySchema,
      response: { 200: flagSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) =>
      toFlagResponse(
        await commands.run(
          {
            type: 'flag_settings.update',
            project: request.environment.project.key,
            environment: request.environment.environment.key,
            flag: request.params.flag_name,
            payload: request.body,
            preparedAgainst: [],
          },
          request.principal,
        ),
      ),
  });

  app.post('/projects/:project/environments/:environment/flags/:flag_name/impact', {
    config: environment,
    schema: {
      tags: ['projects'],
      summary: "What a change to a flag's settings would do to the users evaluated in the last 24 hours",
      description:
        'Takes the same body as the PATCH of the settings and changes nothing. Counts, among the users who ' +
        'evaluated the flag in this environment lately (a bounded sample: IMPACT_SAMPLE_USERS per environment), ' +
        'those the change would turn on, turn off or move to another variant.',
      params: environmentFlagParamsSchema,
      body: updateSettingsBodySchema,
      response: { 200: impactSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) =>
      toImpactResponse(impactService.preview(request.environment, request.params.flag_name, request.body)),
  });
};
