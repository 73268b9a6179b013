import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { problemResponses } from '../../http/problem-schemas.js';
import {
  diffQuerySchema,
  diffSchema,
  promoteEnvironmentBodySchema,
  promoteFlagBodySchema,
  promotionSchema,
  toFieldChanges,
  toPromotionResponse,
} from './promotion-schemas.js';
import { environmentParamsSchema, projectFlagParamsSchema } from './project-schemas.js';

import type { Commands } from '../commands/command-handlers.js';

import type { PromotionService } from './promotion-service.js';

interface Services {
  commands: Commands;
  promotionService: PromotionService;
}

const project = { addresses: 'project' } as const;

/** What differs between two environments of a project, and promotion from one to the other (one flag or all). */
export const promotionRoutes: FastifyPluginAsyncZod<Services> = async (app, { commands, promotionService }) => {
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
};
