import { PrismaWebhookStore, type WebhookStore } from './webhook-store.js';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Webhooks and their outbox: the delivery worker and the webhooks area share it. */
    webhookStore: WebhookStore;
  }
}

/** The webhooks and their outbox, on the database's client. */
export const webhookStorePlugin = fp(
  async (app) => {
    const { client, provider, assertWritable } = app.database;
    app.decorate('webhookStore', new PrismaWebhookStore(client, provider, assertWritable));
  },
  { name: 'webhook-store', dependencies: ['database'] },
);
