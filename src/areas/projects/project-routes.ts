import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import {
  createDefinitionBodySchema,
  definitionPageSchema,
  definitionSchema,
  flagListQuerySchema,
  flagSchema,
  impactSchema,
  toImpactResponse,
  toFlagResponse,
  updateDefinitionBodySchema,
  updateSettingsBodySchema,
} from '../flags/flag-schemas.js';
import { notModified, problemResponses } from '../../http/problem-schemas.js';
import {
  confirmQuerySchema,
  createEnvironmentBodySchema,
  createProjectBodySchema,
  diffQuerySchema,
  diffSchema,
  environmentFlagParamsSchema,
  environmentParamsSchema,
  exportQuerySchema,
  projectFlagParamsSchema,
  projectParamsSchema,
  projectSchema,
  promoteEnvironmentBodySchema,
  promoteFlagBodySchema,
  promotionSchema,
  toDefinitionResponse,
  toDocument,
  toEnvironmentResponse,
  toFieldChanges,
  toProjectResponse,
  toPromotionResponse,
  updateEnvironmentBodySchema,
  updateProjectBodySchema,
  flagsDocumentSchema,
} from './project-schemas.js';
import { etagOnSend } from '../../plugins/etag.js';
import type { Commands } from '../commands/command-handlers.js';
import type { FlagService } from '../flags/flag-service.js';
import type { FlagsAsCode } from './flags-as-code.js';
import type { ImpactService } from '../flags/impact-service.js';
import type { ProjectService } from './project-service.js';
import type { PromotionService } from './promotion-service.js';
import { linkToNextPage } from '../../http/pages.js';

interface Services {
  commands: Commands;
  projectService: ProjectService;
  flagService: FlagService;
  promotionService: PromotionService;
  flagsAsCode: FlagsAsCode;
  impactService: ImpactService;
}

const environmentSchemaRef = projectSchema.shape.environments.element;
const project = { scope: 'project' } as const;
const environment = { scope: 'environment' } as const;

/**
 * Projects, their environments, and their flags: definitions per project, settings per environment,
 * promotion between environments, and the project as one document (flags as code).
 */
export const projectRoutes: FastifyPluginAsyncZod<Services> = async (
  app,
  { commands, projectService, flagService, promotionService, flagsAsCode, impactService },
) => {
  app.get('/projects', {
    schema: {
      tags: ['projects'],
      summary: 'List projects, by key (a project-bound key sees its own)',
      response: { 200: z.array(projectSchema) },
    },
    handler: async (request) =>
      projectService.list(request.principal).map((p) => toProjectResponse(p.project, p.environments)),
  });

  app.post('/projects', {
    schema: {
      tags: ['projects'],
      summary: 'Create a project, with development and production unless environments are given',
      body: createProjectBodySchema,
      response: { 201: projectSchema, ...problemResponses(400, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const created = await commands.run(
        { type: 'project.create', project: null, payload: request.body, preparedAgainst: [] },
        request.principal,
      );
      const view = projectService.get(created.key);
      return reply
        .code(201)
        .header('location', `/projects/${created.key}`)
        .send(toProjectResponse(view.project, view.environments));
    },
  });

  app.get('/projects/:project', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Read a project',
      params: projectParamsSchema,
      response: { 200: projectSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toProjectResponse(request.project.project, request.project.environments),
  });

  app.patch('/projects/:project', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "Change a project's name or description",
      params: projectParamsSchema,
      body: updateProjectBodySchema,
      response: { 200: projectSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request) => {
      const updated = await commands.run(
        { type: 'project.update', project: request.project.project.key, payload: request.body, preparedAgainst: [] },
        request.principal,
      );
      const view = projectService.get(updated.key);
      return toProjectResponse(view.project, view.environments);
    },
  });

  app.delete('/projects/:project', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Delete a project and everything in it (?confirm=<key> while it holds flags)',
      params: projectParamsSchema,
      querystring: confirmQuerySchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await commands.run(
        {
          type: 'project.delete',
          project: request.project.project.key,
          payload: { confirm: request.query.confirm ?? null },
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });

  app.get('/projects/:project/environments', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "A project's environments, in order",
      params: projectParamsSchema,
      response: { 200: z.array(environmentSchemaRef), ...problemResponses(400, 404) },
    },
    handler: async (request) => request.project.environments.map(toEnvironmentResponse),
  });

  app.post('/projects/:project/environments', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Add an environment: every flag off there, or as in copy_from',
      params: projectParamsSchema,
      body: createEnvironmentBodySchema,
      response: { 201: environmentSchemaRef, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const created = await commands.run(
        {
          type: 'environment.create',
          project: request.project.project.key,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `/projects/${request.project.project.key}/environments/${created.key}`)
        .send(toEnvironmentResponse(created));
    },
  });

  app.get('/projects/:project/environments/:environment', {
    config: environment,
    schema: {
      tags: ['projects'],
      summary: 'Read an environment',
      params: environmentParamsSchema,
      response: { 200: environmentSchemaRef, ...problemResponses(400, 404) },
    },
    handler: async (request) => toEnvironmentResponse(request.environment.environment),
  });

  app.patch('/projects/:project/environments/:environment', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'Rename an environment or move it in the order',
      params: environmentParamsSchema,
      body: updateEnvironmentBodySchema,
      response: { 200: environmentSchemaRef, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) =>
      toEnvironmentResponse(
        await commands.run(
          {
            type: 'environment.update',
            project: request.project.project.key,
            environment: request.params.environment,
            payload: request.body,
            preparedAgainst: [],
          },
          request.principal,
        ),
      ),
  });

  app.delete('/projects/:project/environments/:environment', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "Delete an environment and every flag's settings there (?confirm=<key> while it holds flags)",
      params: environmentParamsSchema,
      querystring: confirmQuerySchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404, 409) },
    },
    handler: async (request, reply) => {
      await commands.run(
        {
          type: 'environment.delete',
          project: request.project.project.key,
          environment: request.params.environment,
          payload: { confirm: request.query.confirm ?? null },
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });

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

  app.get('/projects/:project/flags/:flag_name/diff', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "What promoting a flag's settings from one environment to another would change",
      params: projectFlagParamsSchema,
      querystring: diffQuerySchema,
      response: { 200: diffSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const { from, to } = request.query;
      const diff = promotionService.diff(request.project, request.params.flag_name, from, to);
      return { from, to, flag_name: diff.flagName, changes: toFieldChanges(diff.changes) };
    },
  });

  app.post('/projects/:project/flags/:flag_name/promote', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "Copy a flag's settings from one environment to another, answering the difference",
      description:
        'Status, percentage, variant weights, rules, overrides and prerequisites, in one transaction with one audit ' +
        'entry. Refused (409, with `problems`) when it would break the target; nothing changes then.',
      params: projectFlagParamsSchema,
      body: promoteFlagBodySchema,
      response: { 200: promotionSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) => {
      const promotion = await commands.run(
        {
          type: 'flag.promote',
          project: request.project.project.key,
          flag: request.params.flag_name,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return toPromotionResponse(promotion);
    },
  });

  app.post('/projects/:project/environments/:environment/promote', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: "Copy every flag's settings (or those listed) from another environment into this one",
      params: environmentParamsSchema,
      body: promoteEnvironmentBodySchema,
      response: { 200: promotionSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    handler: async (request) => {
      const promotion = await commands.run(
        {
          type: 'environment.promote',
          project: request.project.project.key,
          payload: { ...request.body, to: request.params.environment },
          preparedAgainst: [],
        },
        request.principal,
      );
      return toPromotionResponse(promotion);
    },
  });

  app.get('/projects/:project/export', {
    config: project,
    schema: {
      tags: ['projects'],
      summary: 'The project as one versioned document: JSON, or YAML with Accept: application/yaml',
      description: "Definitions, segments and each environment's settings, in a stable order, so it diffs well in git.",
      params: projectParamsSchema,
      querystring: exportQuerySchema,
      response: { 200: flagsDocumentSchema, ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      const keys = request.query.environments?.split(',');
      // YAML is the same document, written by the yaml package instead of the route's JSON serialiser.
      if (/\bapplication\/(x-)?yaml\b/.test(request.headers.accept ?? '')) {
        reply.type('application/yaml; charset=utf-8').serializer((payload) => toYaml(payload));
      }
      return toDocument(flagsAsCode.export(request.project, keys));
    },
  });
};
