import fp from 'fastify-plugin';
import { commandRoutes } from './command-routes.js';

/** POST /commands: any change in its public JSON form, through the same pipeline as the REST routes. */
export const commandsArea = fp(
  async (app) => {
    const { commands, flagService, apiKeyService, webhookService, projectService, addressing } = app;
    await app.register(commandRoutes, {
      commands,
      flagService,
      apiKeyService,
      webhookService,
      projectService,
      addresses: addressing,
    });
  },
  { name: 'commands-area', dependencies: ['commands', 'flags', 'api-keys', 'webhooks', 'projects', 'addressing'] },
);
