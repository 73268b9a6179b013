import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { registerAccessControl } from './plugins/access-control.js';
import { registerDashboard } from './plugins/dashboard.js';
import { registerDocs } from './plugins/docs.js';
import { registerJsonBodies } from './plugins/json-body.js';
import { registerMetrics, RequestMetrics } from './plugins/metrics.js';
import {
  answerRequestsNodeWouldNot,
  clientErrorProblems,
  frameworkErrorProblems,
  registerProblemDetails,
} from './plugins/problem-details.js';
import { requestIdGenerator } from './plugins/request-id.js';
import { serializeRequest } from './plugins/log-redaction.js';
import { fixedResponseHeaders, registerResponseHeaders, responseHeaderSetter } from './plugins/response-headers.js';
import { apiKeyRoutes } from './areas/api-keys/api-key-routes.js';
import { auditRoutes } from './areas/audit/audit-routes.js';
import { evaluationRoutes } from './areas/evaluation/evaluation-routes.js';
import { configRoutes } from './areas/evaluation/sync-routes.js';
import { eventRoutes } from './areas/experiments/event-routes.js';
import { experimentRoutes } from './areas/experiments/experiment-routes.js';
import { flagRoutes } from './areas/flags/flag-routes.js';
import { healthRoutes } from './areas/health/health-routes.js';
import { ofrepRoutes } from './areas/evaluation/ofrep-routes.js';
import { scheduleRoutes } from './areas/schedules/schedule-routes.js';
import { segmentRoutes } from './areas/segments/segment-routes.js';
import { ApiKeyRing } from './read-model/api-key-ring.js';
import { ApiKeyService } from './areas/api-keys/api-key-service.js';
import { AuditService } from './areas/audit/audit-service.js';
import { AuthService } from './areas/api-keys/auth-service.js';
import { type Clock, systemClock } from './support/clock.js';
import { ConfigSync } from './read-model/config-sync.js';
import { ConfigWriter } from './areas/commands/config-writer.js';
import { commandPipeline } from './areas/commands/command-handlers.js';
import type { Hold } from './areas/commands/command-pipeline.js';
import { commandRoutes } from './areas/commands/command-routes.js';
import { FlagUsage } from './workers/flag-usage.js';
import { ScopeResolver } from './areas/projects/addressing.js';
import { ProjectService } from './areas/projects/project-service.js';
import { PromotionService } from './areas/projects/promotion-service.js';
import { FlagsAsCode } from './areas/projects/flags-as-code.js';
import { projectRoutes } from './areas/projects/project-routes.js';
import { projectImportRoutes } from './areas/projects/project-import-routes.js';
import { importFlagsFile } from './plugins/flags-import-file.js';
import { registerScope } from './plugins/addressing.js';
import { StreamHub } from './read-model/stream-hub.js';
import { webhookAnnouncement } from './areas/webhooks/webhook-announcement.js';
import { WebhookWorker } from './workers/webhook-delivery.js';
import { WriterHealth } from './workers/background-writers.js';
import { WebhookService } from './areas/webhooks/webhook-service.js';
import { webhookRoutes } from './areas/webhooks/webhook-routes.js';
import { streamRoutes } from './areas/streams/stream-routes.js';
import type { Principal } from './areas/api-keys/auth-service.js';
import type { EnvironmentView } from './read-model/config-snapshot.js';
import { EvaluationCounter } from './areas/evaluation/evaluation-counter.js';
import { EvaluationService } from './areas/evaluation/evaluation-service.js';
import { ImpactService } from './areas/flags/impact-service.js';
import { RecentContexts } from './areas/evaluation/recent-contexts.js';
import { EventService } from './areas/experiments/event-service.js';
import { ExperimentService } from './areas/experiments/experiment-service.js';
import { ExposureBuffer } from './workers/exposure-buffer.js';
import { FlagService } from './areas/flags/flag-service.js';
import { ConfigSnapshot } from './read-model/config-snapshot.js';
import { HealthService, type RateLimitState } from './areas/health/health-service.js';
import { OfrepService } from './areas/evaluation/ofrep-service.js';
import { ScheduleService } from './areas/schedules/schedule-service.js';
import { SegmentService } from './areas/segments/segment-service.js';

/** Whether listening on `host` serves this machine only. */
function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/**
 * A Redis that is down or stalled must not hold requests up: commands fail at once while it is
 * unreachable and after 100 ms while it does not answer, and the limits are then skipped.
 */
function connectRedis(url: string, log: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 100,
  });
  let reported = false;
  redis.on('error', (error) => {
    if (!reported) log.warn({ err: error }, 'Redis unreachable; rate limits are not enforced until it is back');
    reported = true;
  });
  redis.on('ready', () => (reported = false));
  return redis;
}

/**
 * The service's Fastify server options; the benchmark's reference servers are built with them too.
 * What is answered before routing is counted in `requests`, which the service's /metrics reports.
 */
export function serverOptions(config: Config, requests = new RequestMetrics()): FastifyHttpOptions<Server> {
  return {
    // Request URLs are logged with credentials (the OFREP stream's token) redacted.
    logger: { level: config.logLevel, serializers: { req: serializeRequest } },
    bodyLimit: config.bodyLimitBytes,
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

  const database = await openDatabase(config.databaseProvider, config.databaseUrl, {
    now: () => clock.now(),
    announcement: webhookAnnouncement,
  });
  const snapshot = new ConfigSnapshot(clock);
  const keyRing = new ApiKeyRing();
  const sync = new ConfigSync(
    database.config,
    snapshot,
    keyRing,
    database.changes,
    config.snapshotPollMs,
    app.log,
    clock,
  );
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, app.log);
  const { evaluations, writes, failedAuthentications } = config.rateLimits;
  const rateLimitState = (): RateLimitState =>
    evaluations === 0 && writes === 0 && failedAuthentications === 0
      ? 'off'
      : redis === undefined
        ? 'memory'
        : redis.status === 'ready'
          ? 'redis'
          : 'redis-unreachable';
  const writer = new ConfigWriter(database.store, snapshot, keyRing);
  const commands = commandPipeline(writer, snapshot, {
    hasAdminEnvKey: config.adminApiKey !== undefined,
    experimentData: database.experimentData,
    network: config.webhooks,
    hold,
  });
  const scheduleService = new ScheduleService(database.schedules, commands, snapshot, app.log, clock);
  const writers = {
    exposures: new WriterHealth('exposures', clock, app.log),
    usage: new WriterHealth('flag_usage', clock, app.log),
    webhooks: new WriterHealth('webhooks', clock, app.log),
  };
  const exposures = new ExposureBuffer(database.experimentData, clock, app.log, writers.exposures);
  const eventService = new EventService(database.experimentData, clock, config.eventRetentionDays, app.log);
  const evaluationCounter = new EvaluationCounter();
  const usage = new FlagUsage(evaluationCounter, database.evaluationTimes, clock, writers.usage);
  const hub = new StreamHub(snapshot, clock, config.streams.heartbeatMs, config.streams.limitPerKey);
  const webhookWorker = new WebhookWorker(database.webhooks, clock, config.webhooks, writers.webhooks);
  const writerStates = () => Object.values(writers).map((writer) => writer.state);
  // Open streams would keep close() waiting for ever: they end first, and clients reconnect elsewhere.
  app.addHook('preClose', async () => hub.stop());
  app.addHook('onClose', async () => {
    await scheduleService.stop();
    eventService.stop();
    await usage.stop();
    await webhookWorker.stop();
    // Exposures evaluated up to the end are written before the database closes.
    await exposures.stop();
    await sync.stop();
    await database.close();
    redis?.disconnect();
  });
  await sync.start();
  scheduleService.start(config.snapshotPollMs);
  exposures.start();
  eventService.start();
  usage.start();
  hub.start();
  webhookWorker.start(config.snapshotPollMs);
  for (const name of database.migrations.applied) app.log.info({ migration: name }, 'applied migration');
  for (const name of database.migrations.modifiedAfterApply) {
    app.log.warn(
      { migration: name },
      'migration.sql changed after it was applied; the database may not match the schema',
    );
  }

  const authService = new AuthService(keyRing, config.adminApiKey, clock);
  if (!authService.enabled && !isLoopback(config.host)) {
    app.log.warn(
      `OPEN TO THE NETWORK: HOST=${config.host} accepts connections from other machines while authentication is ` +
        'disabled. Set ADMIN_API_KEY, or HOST=127.0.0.1 to serve this machine only.',
    );
  }
  // A revoked key's open streams end at once, on every instance (the key ring follows every change).
  keyRing.onChange(() => hub.closeHeldBy((holder) => !authService.mayKeepStreams(holder)));
  if (!authService.enabled) {
    app.log.warn(
      'AUTHENTICATION IS DISABLED: no API key exists and ADMIN_API_KEY is not set, so anyone who can reach this ' +
        'service can change flags. Create a key (POST /api-keys) or set ADMIN_API_KEY.',
    );
  }

  await registerResponseHeaders(app, config.corsOrigins);
  await registerDocs(app, version);
  await registerDashboard(app);
  const flagService = new FlagService(snapshot, usage);
  registerMetrics(app, {
    token: config.metricsToken,
    requests,
    evaluations: evaluationCounter,
    sync,
    authService,
    ping: () => database.ping(),
    rateLimits: rateLimitState,
    exposures,
    snapshot,
    staleFlags: () => flagService.staleCounts(),
    streams: hub,
    webhooks: { outcomes: webhookWorker.outcomes, pending: () => database.webhooks.pendingCount() },
    writers: writerStates,
    clock,
  });
  await registerAccessControl(app, authService, { ...config.rateLimits, redis });
  const scopes = new ScopeResolver(snapshot);
  registerScope(app, scopes);

  const segmentService = new SegmentService();
  const recentContexts = new RecentContexts(clock, config.impactSampleUsers);
  const evaluationService = new EvaluationService(evaluationCounter, exposures, recentContexts);
  const ofrepService = new OfrepService(evaluationCounter, exposures, recentContexts);
  const experimentService = new ExperimentService(database.experimentData, clock);
  await app.register(flagRoutes, { flagService, commands });
  const projectService = new ProjectService(snapshot);
  const flagsAsCode = new FlagsAsCode(snapshot);
  if (config.flagsImportFile !== undefined) {
    await importFlagsFile(config.flagsImportFile, { snapshot, commands }, app.log);
  }
  await app.register(projectImportRoutes, { commands });
  await app.register(projectRoutes, {
    commands,
    projectService,
    flagService,
    promotionService: new PromotionService(snapshot),
    flagsAsCode,
    impactService: new ImpactService(flagService, recentContexts),
  });
  // What works on one environment answers for the key's (or default/production) at the root, and for
  // any environment under /projects/{project}/environments/{environment}; segments likewise per project.
  const streams = {
    tokenFor: (principal: Principal, environmentId: number) => authService.streamToken(principal, environmentId),
    atLeast: async (view: EnvironmentView, revision: number) => {
      if (snapshot.revision < revision) await sync.refresh();
      return snapshot.environment(view.environment.id) ?? view;
    },
  };
  for (const prefix of ['', '/projects/:project/environments/:environment']) {
    await app.register(evaluationRoutes, { prefix, evaluationService });
    await app.register(scheduleRoutes, { prefix, scheduleService, commands });
    await app.register(ofrepRoutes, { prefix, ofrepService, streams });
    await app.register(streamRoutes, { prefix, hub, authService, scopes, snapshot });
    await app.register(experimentRoutes, { prefix, experimentService, commands });
    await app.register(eventRoutes, { prefix, eventService });
    await app.register(configRoutes, { prefix, flagsAsCode, atLeast: streams.atLeast });
  }
  for (const prefix of ['', '/projects/:project'])
    await app.register(segmentRoutes, { prefix, segmentService, commands });
  const apiKeyService = new ApiKeyService(database.apiKeys, snapshot);
  const webhookService = new WebhookService(database.webhooks, snapshot, clock);
  await app.register(commandRoutes, { commands, flagService, apiKeyService, webhookService, projectService, scopes });
  await app.register(apiKeyRoutes, {
    apiKeyService,
    commands,
  });
  await app.register(webhookRoutes, {
    webhookService,
    commands,
  });
  await app.register(auditRoutes, { auditService: new AuditService(database.audit), scopes });
  const healthService = new HealthService(
    {
      pingDatabase: () => database.ping(),
      version,
      authEnabled: () => authService.enabled,
      rateLimits: rateLimitState,
      snapshotConfirmedAt: () => sync.lastConfirmedAt,
      writers: writerStates,
    },
    clock,
  );
  app.addHook('preClose', async () => healthService.stop());
  await app.register(healthRoutes, { healthService });

  return app;
}
