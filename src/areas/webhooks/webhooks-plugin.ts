import fp from 'fastify-plugin';
import type { Clock } from '../../support/clock.js';
import { webhookRoutes } from './webhook-routes.js';
import { WebhookService } from './webhook-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhookService: WebhookService;
  }
}

/** Webhooks and their deliveries (the webhook delivery worker sends them). */
export const webhooksArea = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    const webhookService = new WebhookService(app.webhookStore, app.readModel.snapshot, clock);
    app.decorate('webhookService', webhookService);
    await app.register(webhookRoutes, { webhookService, commands: app.commands });
  },
  { name: 'webhooks', dependencies: ['webhook-store', 'read-model', 'commands'] },
);
