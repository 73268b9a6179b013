import { readFileSync } from 'node:fs';
import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { registerDocs } from './plugins/docs.js';
import { lazyChildLoggerFactory } from './plugins/lazy-child-logger.js';
import { registerProblemDetails } from './plugins/problem-details.js';
import { evaluationRoutes } from './routes/evaluation.js';
import { flagRoutes } from './routes/flags.js';
import { healthRoutes } from './routes/health.js';
import { EvaluationService } from './services/evaluation-service.js';
import { FlagService } from './services/flag-service.js';
import { FlagSnapshot } from './services/flag-snapshot.js';
import { FlagSync } from './services/flag-sync.js';
import { HealthService } from './services/health-service.js';

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Builds the whole service without listening; server.ts listens, tests use `inject`. */
export async function buildApp(config: Config): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    // user ids may be 256 characters, and percent-encoding makes them longer in the path.
    routerOptions: { maxParamLength: 4096 },
    // A request id from the load balancer or client is kept, so logs can be joined across services.
    requestIdHeader: 'x-request-id',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemDetails(app);
  // Every body this API takes is JSON; anything else is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  const database = await openDatabase(config.databaseProvider, config.databaseUrl);
  const snapshot = new FlagSnapshot();
  const sync = new FlagSync(database.flags, snapshot, database.changes, config.snapshotPollMs, app.log);
  app.addHook('onClose', async () => {
    await sync.stop();
    await database.close();
  });
  await sync.start();
  for (const name of database.migrations.applied) app.log.info({ migration: name }, 'applied migration');
  for (const name of database.migrations.modifiedAfterApply) {
    app.log.warn({ migration: name }, 'migration.sql changed after it was applied; the database may not match the schema');
  }

  await app.register(fastifyCors, { origin: config.corsOrigins === '*' ? '*' : config.corsOrigins });
  await registerDocs(app, version);

  await app.register(flagRoutes, { flagService: new FlagService(database.flags, snapshot) });
  await app.register(evaluationRoutes, { evaluationService: new EvaluationService(snapshot) });
  await app.register(healthRoutes, { healthService: new HealthService(() => database.ping(), version) });

  return app;
}
