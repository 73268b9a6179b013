import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses } from '../../http/problem-schemas.js';
import {
  createdWebhookSchema,
  createWebhookBodySchema,
  deliveriesQuerySchema,
  deliveryPageSchema,
  deliveryParamsSchema,
  deliverySchema,
  toCursor,
  toDeliveryResponse,
  toWebhookResponse,
  updateWebhookBodySchema,
  webhookParamsSchema,
  webhookSchema,
} from './webhook-schemas.js';
import type { Commands } from '../commands/command-handlers.js';
import type { WebhookService } from './webhook-service.js';

export const webhookRoutes: FastifyPluginAsyncZod<{ webhookService: WebhookService; commands: Commands }> = async (
  app,
  { webhookService, commands },
) => {
  const shown = (webhook: Parameters<typeof toWebhookResponse>[0]) =>
    toWebhookResponse(webhook, webhookService.projectKeyOf(webhook));

  app.post('/webhooks', {
    schema: {
      tags: ['webhooks'],
      summary: 'Announce changes to a URL, signed as Standard Webhooks defines; the secret is shown only here',
      body: createWebhookBodySchema,
      response: { 201: createdWebhookSchema, ...problemResponses(400, 413, 415) },
    },
    handler: async (request, reply) => {
      const webhook = await commands.run(
        webhookService.createCommand(request.body, request.principal),
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `/webhooks/${webhook.id}`)
        .send({ ...shown(webhook), secret: webhook.secret });
    },
  });

  app.get('/webhooks', {
    schema: { tags: ['webhooks'], summary: 'List webhooks, oldest first', response: { 200: z.array(webhookSchema) } },
    handler: async (request) => (await webhookService.list(request.principal)).map(shown),
  });

  app.get('/webhooks/:id', {
    schema: {
      tags: ['webhooks'],
      summary: 'Read a webhook',
      params: webhookParamsSchema,
      response: { 200: webhookSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => shown(await webhookService.get(request.params.id, request.principal)),
  });

  app.patch('/webhooks/:id', {
    schema: {
      tags: ['webhooks'],
      summary: "Change a webhook's URL, events, secret or enabled",
      params: webhookParamsSchema,
      body: updateWebhookBodySchema,
      response: { 200: webhookSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request) =>
      shown(
        await commands.run(
          await webhookService.updateCommand(request.params.id, request.body, request.principal),
          request.principal,
        ),
      ),
  });

  app.delete('/webhooks/:id', {
    schema: {
      tags: ['webhooks'],
      summary: 'Delete a webhook and its deliveries',
      params: webhookParamsSchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      await commands.run(await webhookService.deleteCommand(request.params.id, request.principal), request.principal);
      return reply.code(204).send(null);
    },
  });

  app.get('/webhooks/:id/deliveries', {
    schema: {
      tags: ['webhooks'],
      summary: 'Its deliveries, newest first: status, attempts, response code, latency',
      params: webhookParamsSchema,
      querystring: deliveriesQuerySchema,
      response: { 200: deliveryPageSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const page = await webhookService.deliveries(request.params.id, request.principal, request.query);
      return { deliveries: page.deliveries.map(toDeliveryResponse), next_cursor: toCursor(page.nextCursor) };
    },
  });

  app.post('/webhooks/:id/deliveries/:delivery/retry', {
    schema: {
      tags: ['webhooks'],
      summary: 'Send a delivery again now (for 24 more hours), with the same webhook-id',
      params: deliveryParamsSchema,
      response: { 202: deliverySchema, ...problemResponses(400, 404) },
    },
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(
          toDeliveryResponse(await webhookService.retry(request.params.id, request.params.delivery, request.principal)),
        ),
  });

  app.post('/webhooks/:id/ping', {
    schema: {
      tags: ['webhooks'],
      summary: 'Send a test delivery, webhook.ping',
      params: webhookParamsSchema,
      response: { 202: deliverySchema, ...problemResponses(400, 404) },
    },
    handler: async (request, reply) =>
      reply.code(202).send(toDeliveryResponse(await webhookService.ping(request.params.id, request.principal))),
  });
};
