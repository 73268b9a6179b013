import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Command } from '../../core/commands.js';
import type { ApiKey } from '../../core/api-keys.js';
import type { Environment, ImportResult, Project, Promotion } from '../../core/projects.js';
import type { Experiment } from '../../core/experiments.js';
import type { Flag, FlagDefinition } from '../../core/flags.js';
import type { ScheduledChange } from '../../core/schedules.js';
import type { Segment } from '../../core/segments.js';
import type { Webhook } from '../../core/webhooks.js';
import { toApiKeyResponse } from '../api-keys/api-key-schemas.js';
import { commandSchema } from './command-schemas.js';
import { toExperimentResponse } from '../experiments/experiment-schemas.js';
import { toFlagResponse } from '../flags/flag-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import { toDefinitionResponse } from '../flags/definition-schemas.js';
import { toEnvironmentResponse, toProjectResponse } from '../projects/project-schemas.js';
import { toImportResultResponse } from '../projects/flags-as-code-schemas.js';
import { toPromotionResponse } from '../projects/promotion-schemas.js';
import type { ProjectService } from '../projects/project-service.js';
import { toScheduleResponse } from '../schedules/schedule-schemas.js';
import { toSegmentResponse } from '../segments/segment-schemas.js';
import { toWebhookResponse } from '../webhooks/webhook-schemas.js';
import type { CreatedApiKey } from '../api-keys/api-key-commands.js';
import type { ApiKeyService } from '../api-keys/api-key-service.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { Commands } from './command-handlers.js';
import type { FlagService } from '../flags/flag-service.js';
import type { AddressResolver } from '../projects/addressing.js';
import type { Principal } from '../../core/permissions.js';

const commandResultSchema = z
  .object({
    type: z.string(),
    result: z
      .unknown()
      .describe('What the REST request that makes the same change answers (a flag, a segment…); null for deletes'),
  })
  .meta({ id: 'CommandResult' });

/**
 * POST /commands: one configuration change in the commands' public form, run through the same pipeline
 * as the REST request that makes it. For scripts that keep changes as data, and the form change
 * requests store.
 */
export const commandRoutes: FastifyPluginAsyncZod<{
  commands: Commands;
  flagService: FlagService;
  apiKeyService: ApiKeyService;
  webhookService: WebhookService;
  projectService: ProjectService;
  addresses: AddressResolver;
}> = async (app, { commands, flagService, apiKeyService, webhookService, projectService, addresses }) => {
  /** The answer the REST route for the same change gives. */
  const answerOf = async (command: Command, result: unknown, principal: Principal): Promise<unknown> => {
    switch (command.type) {
      case 'flag.create':
      case 'flag.update':
      case 'flag_settings.update':
        return toFlagResponse(result as Flag);
      case 'flag_definition.create':
      case 'flag_definition.update':
        return toDefinitionResponse(
          await flagService.getDefinitionInUse(
            addresses.project(principal, command.project),
            (result as FlagDefinition).name,
          ),
        );
      case 'segment.create':
      case 'segment.update':
        return toSegmentResponse(result as Segment);
      case 'schedule.create':
        return toScheduleResponse(result as ScheduledChange);
      case 'experiment.create':
      case 'experiment.start':
      case 'experiment.stop':
        return toExperimentResponse(result as Experiment);
      case 'api_key.create': {
        const { key, secret } = result as CreatedApiKey;
        return { ...toApiKeyResponse(key, apiKeyService.bindingOf(key)), secret };
      }
      case 'api_key.revoke':
        return toApiKeyResponse(result as ApiKey, apiKeyService.bindingOf(result as ApiKey));
      case 'webhook.create':
        return {
          ...toWebhookResponse(result as Webhook, webhookService.projectKeyOf(result as Webhook)),
          secret: (result as Webhook).secret,
        };
      case 'webhook.update':
        return toWebhookResponse(result as Webhook, webhookService.projectKeyOf(result as Webhook));
      case 'project.create':
      case 'project.update': {
        const view = projectService.get((result as Project).key);
        return toProjectResponse(view.project, view.environments);
      }
      case 'environment.create':
      case 'environment.update':
        return toEnvironmentResponse(result as Environment);
      case 'flag.promote':
      case 'environment.promote':
        return toPromotionResponse(result as Promotion);
      case 'project.import':
        return toImportResultResponse(result as ImportResult);
      case 'project.delete':
      case 'environment.delete':
      case 'flag.delete':
      case 'segment.delete':
      case 'webhook.delete':
      case 'schedule.cancel':
      case 'schedule.apply':
        return null;
    }
  };

  app.post('/commands', {
    schema: {
      tags: ['commands'],
      summary: 'Run one configuration change given as a command',
      description:
        "The change a REST request would make, as data: its payload is that request's body. Refused with 409 when " +
        'an item in prepared_against moved since.',
      body: commandSchema,
      response: { 200: commandResultSchema, ...problemResponses(400, 403, 404, 409, 413, 415) },
    },
    handler: async (request) => {
      const result = await commands.run(request.body, request.principal);
      return { type: request.body.type, result: await answerOf(request.body, result, request.principal) };
    },
  });
};
