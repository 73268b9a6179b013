import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeyParamsSchema,
  apiKeySchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
  toApiKeyResponse,
} from './api-key-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import type { ApiKeyService } from './api-key-service.js';
import type { Commands } from '../commands/command-handlers.js';

export const apiKeyRoutes: FastifyPluginAsyncZod<{ apiKeyService: ApiKeyService; commands: Commands }> = async (
  app,
  { apiKeyService, commands },
) => {
  app.post('/api-keys', {
    schema: {
      tags: ['api-keys'],
      summary: 'Create an API key; the response is the only time its secret is shown',
      body: createApiKeyBodySchema,
      response: { 201: createdApiKeySchema, ...problemResponses(400, 413, 415) },
    },
    handler: async (request, reply) => {
      const { name, scope, project, environment } = request.body;
      const command = apiKeyService.createCommand(name, scope, { project, environment }, request.principal);
      const { key, secret } = await commands.run(command, request.principal);
      return reply.code(201).send({ ...toApiKeyResponse(key, apiKeyService.bindingOf(key)), secret });
    },
  });

  app.get('/api-keys', {
    schema: {
      tags: ['api-keys'],
      summary: 'List API keys, oldest first, revoked ones included (never their secrets)',
      response: { 200: z.array(apiKeySchema) },
    },
    handler: async (request) =>
      (await apiKeyService.list(request.principal)).map((key) => toApiKeyResponse(key, apiKeyService.bindingOf(key))),
  });

  app.delete('/api-keys/:id', {
    schema: {
      tags: ['api-keys'],
      summary: 'Revoke an API key, at once on every instance',
      params: apiKeyParamsSchema,
      response: { 200: apiKeySchema, ...problemResponses(400, 404, 409) },
    },
    handler: async (request) => {
      const key = await commands.run(
        await apiKeyService.revokeCommand(request.params.id, request.principal),
        request.principal,
      );
      return toApiKeyResponse(key, apiKeyService.bindingOf(key));
    },
  });
};
