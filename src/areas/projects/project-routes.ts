import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';

import { problemResponses } from '../../http/problem-schemas.js';
import {
  confirmQuerySchema,
  createEnvironmentBodySchema,
  createProjectBodySchema,
  environmentParamsSchema,
  projectParamsSchema,
  projectSchema,
  toEnvironmentResponse,
  toProjectResponse,
  updateEnvironmentBodySchema,
  updateProjectBodySchema,
} from './project-schemas.js';
import { exportQuerySchema, toDocument, flagsDocumentSchema } from './flags-as-code-schemas.js';

import type { Commands } from '../commands/command-handlers.js';

import type { FlagsAsCode } from './flags-as-code.js';

import type { ProjectService } from './project-service.js';

interface Services {
  commands: Commands;
  projectService: ProjectService;
  flagsAsCode: FlagsAsCode;
}

const environmentSchemaRef = projectSchema.shape.environments.element;
const project = { addresses: 'project' } as const;
const environment = { addresses: 'environment' } as const;

/**
 * Projects and their environments, and the project as one document (flags as code). A project's flags
 * are the flags area's (project-flag-routes.ts), promotion between environments promotion-routes.ts'.
 */
export const projectRoutes: FastifyPluginAsyncZod<Services> = async (
  app,
  { commands, projectService, flagsAsCode },
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
