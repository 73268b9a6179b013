import fp from 'fastify-plugin';
import { apiKeyRoutes } from './api-key-routes.js';
import { PrismaApiKeyReader } from './api-key-store.js';
import { ApiKeyService } from './api-key-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    apiKeyService: ApiKeyService;
  }
}

/** API keys: created, listed and revoked (checking them is the access control plugin's). */
export const apiKeysArea = fp(
  async (app) => {
    const apiKeyService = new ApiKeyService(new PrismaApiKeyReader(app.database.client), app.readModel.snapshot);
    app.decorate('apiKeyService', apiKeyService);
    await app.register(apiKeyRoutes, { apiKeyService, commands: app.commands });
  },
  { name: 'api-keys', dependencies: ['database', 'read-model', 'commands'] },
);
