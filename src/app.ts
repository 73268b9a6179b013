import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { accountsArea } from './areas/accounts/accounts-plugin.js';
import { sessionsPlugin } from './areas/accounts/sessions-plugin.js';
import { apiKeysArea } from './areas/api-keys/api-keys-plugin.js';
import { auditArea } from './areas/audit/audit-plugin.js';
import { commandPipelinePlugin } from './areas/commands/command-handlers.js';
import type { Hold } from './areas/commands/command-pipeline.js';
import { commandsArea } from './areas/commands/commands-plugin.js';
import { evaluationArea } from './areas/evaluation/evaluation-plugin.js';
import { experimentStorePlugin } from './areas/experiments/experiment-store-plugin.js';
import { experimentsArea } from './areas/experiments/experiments-plugin.js';
import { flagsArea } from './areas/flags/flags-plugin.js';
import { healthArea } from './areas/health/health-plugin.js';
import { projectsArea } from './areas/projects/projects-plugin.js';
import { schedulesArea } from './areas/schedules/schedules-plugin.js';
import { segmentsArea } from './areas/segments/segments-plugin.js';
import { streamsArea } from './areas/streams/streams-plugin.js';
import { webhookAnnouncement } from './areas/webhooks/webhook-announcement.js';
import { webhookStorePlugin } from './areas/webhooks/webhook-store-plugin.js';
import { webhooksArea } from './areas/webhooks/webhooks-plugin.js';
import type { Config } from './config.js';
import { databasePlugin } from './db/database-plugin.js';
import { accessControlPlugin } from './plugins/access-control.js';
import { addressingPlugin } from './plugins/addressing.js';
import { registerDashboard } from './plugins/dashboard.js';
import { registerDocs } from './plugins/docs.js';
import { registerJsonBodies } from './http/json-body.js';
import { serializeRequest } from './plugins/log-redaction.js';
import { metricsPlugin, RequestMetrics } from './plugins/metrics.js';
import {
  answerRequestsNodeWouldNot,
  clientErrorProblems,
  frameworkErrorProblems,
  registerProblemDetails,
} from './plugins/problem-details.js';
import { rateLimitStorePlugin } from './plugins/rate-limit-store.js';
import { requestIdGenerator } from './plugins/request-id.js';
import { fixedResponseHeaders, registerResponseHeaders, responseHeaderSetter } from './plugins/response-headers.js';
import { readModelPlugin } from './read-model/read-model-plugin.js';
import { type Clock, systemClock } from './support/clock.js';
import { writerBoardPlugin } from './workers/background-writers.js';
import { eventRetentionPlugin } from './workers/event-retention.js';
import { exposureBufferPlugin } from './workers/exposure-buffer.js';
import { flagUsagePlugin } from './workers/flag-usage.js';
import { schedulerPlugin } from './workers/scheduler.js';
import { webhookDeliveryPlugin } from './workers/webhook-delivery.js';

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/**
 * The service's Fastify server options; the benchmark's reference servers are built with them too.
 * What is answered before routing is counted in `requests`, which the service's /metrics reports.
 */
/**
 * Fastify's trustProxy for TRUST_PROXY. A count trusts that many hops nearest the service whatever
 * their address (Express's meaning; Fastify's own number now trusts none): right only where every
 * request comes through those proxies, as on Railway, Render and Heroku.
 */
function proxyTrust(trust: Config['trustProxy']) {
  if (typeof trust !== 'number') return trust;
  return (_address: string, hop: number) => hop < trust;
}

export function serverOptions(config: Config, requests = new RequestMetrics()): FastifyHttpOptions<Server> {
  return {
    // Request URLs are logged with credentials (the OFREP stream's token) redacted.
    logger: { level: config.logLevel, serializers: { req: serializeRequest } },
    bodyLimit: config.bodyLimitBytes,
    // Behind proxies the client's address comes from X-Forwarded-For, for per-address limits and logs.
    trustProxy: proxyTrust(config.trustProxy),
    // user ids may be 256 characters, and percent-encoding makes them longer in the path.
    routerOptions: { maxParamLength: 4096 },
    // A request id from the load balancer or client is kept, so logs can be joined across services.
    genReqId: requestIdGenerator(),
    // Errors Fastify or Node would answer in shapes of their own leave as problem details too.
    frameworkErrors: frameworkErrorProblems(responseHeaderSetter(config.corsOrigins), requests.countUnrouted),
    clientErrorHandler: clientErrorProblems(fixedResponseHeaders(config.corsOrigins), requests.countUnrouted),
    requestTimeout: config.requestTimeoutMs,
    http: {
      // Node gives the headers min(60 s, requestTimeout) only when requestTimeout is passed to it,
      // which Fastify does not do; with 60 s, a request's body could take 60 s whatever its limit.
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
      // Node looks for requests over their time every 30 s by default, so a 5 s limit could take 35.
      connectionsCheckingInterval: 1000,
      // Node answers an HTTP/1.1 request without Host with an empty 400 of its own; the response
      // headers' hook refuses it instead, as problem details (see response-headers.ts).
      requireHostHeader: false,
    },
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
  };
}

/**
 * Builds the whole service without listening; server.ts listens, tests use `inject`. Every time the
 * service reads or waits for comes from `clock`; tests pass one they move by hand. `hold` is the
 * command pipeline's hold step (every command proceeds unless it says otherwise).
 *
 * Each plugin declares the plugins it needs (Fastify refuses to start when one is missing or comes
 * later) and closes what it opened; Fastify closes them in the reverse order, so the workers finish
 * their last writes before the read model stops and the database closes.
 */
export async function buildApp(
  config: Config,
  { clock = systemClock, hold }: { clock?: Clock; hold?: Hold } = {},
): Promise<FastifyInstance> {
  const requests = new RequestMetrics();
  const app = Fastify(serverOptions(config, requests));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemDetails(app);
  answerRequestsNodeWouldNot(app.server, fixedResponseHeaders(config.corsOrigins), requests.countUnrouted);
  // Every body this API takes is JSON; anything else is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  // Partial updates are JSON Merge Patch (RFC 7396) in all but name, and PATCH clients label them so.
  registerJsonBodies(app);

  // What everything stands on: the database, the read model, the command pipeline and the workers.
  const pollMs = config.snapshotPollMs;
  await app.register(databasePlugin, { config, clock, announcement: webhookAnnouncement });
  await app.register(readModelPlugin, { config, clock });
  // After the read model: registered before it (right after the database), these two cost single-flag
  // evaluation 16% of its rate head to head on SQLite (issue 32). The likely cause, found in issue 33:
  // process.nextTick's object shape, dropped by the start's garbage collections; server.ts now holds
  // it (support/tick-shape.ts).
  await app.register(experimentStorePlugin);
  await app.register(webhookStorePlugin);
  await app.register(writerBoardPlugin, { clock });
  await app.register(exposureBufferPlugin, { clock });
  await app.register(flagUsagePlugin, { clock });
  await app.register(webhookDeliveryPlugin, { clock, options: config.webhooks, pollMs });
  const hasAdminEnvKey = config.adminApiKey !== undefined;
  await app.register(commandPipelinePlugin, { hasAdminEnvKey, network: config.webhooks, hold });
  await app.register(schedulerPlugin, { clock, checkIntervalMs: pollMs });
  await app.register(eventRetentionPlugin, { clock, retentionDays: config.eventRetentionDays });

  // HTTP: headers, documentation, the dashboard, metrics, then who may call what and what it addresses.
  await app.register(rateLimitStorePlugin, { config });
  await registerResponseHeaders(app, config.corsOrigins);
  await registerDocs(app, version);
  await registerDashboard(app);
  await app.register(sessionsPlugin, { config, clock });
  await app.register(accessControlPlugin, { config, clock });
  await app.register(metricsPlugin, { token: config.metricsToken, requests, clock });
  await app.register(addressingPlugin);

  // The areas, each with its routes.
  await app.register(projectsArea, { flagsImportFile: config.flagsImportFile });
  await app.register(evaluationArea, { config, clock });
  await app.register(flagsArea, { clock });
  await app.register(segmentsArea);
  await app.register(schedulesArea);
  await app.register(experimentsArea, { clock });
  await app.register(streamsArea, { clock, pollMs });
  await app.register(apiKeysArea);
  await app.register(webhooksArea, { clock });
  await app.register(auditArea);
  await app.register(accountsArea, { config, clock });
  await app.register(commandsArea);
  await app.register(healthArea, { clock, version });
  return app;
}
