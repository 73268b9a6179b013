import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createExperimentBodySchema,
  experimentParamsSchema,
  exposureExportQuerySchema,
  experimentSchema,
  resultsQuerySchema,
  resultsSchema,
  toExperimentResponse,
  toResultsResponse,
} from './experiment-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import type { Commands } from '../commands/command-handlers.js';
import type { ExperimentService } from './experiment-service.js';
import { sendRows } from '../../http/row-stream.js';

export const experimentRoutes: FastifyPluginAsyncZod<{
  experimentService: ExperimentService;
  commands: Commands;
}> = async (app, { experimentService, commands }) => {
  /** A command on one experiment of the environment the request addresses. */
  const onExperiment = <T extends 'experiment.start' | 'experiment.stop'>(
    type: T,
    request: { environment: EnvironmentView; params: { key: string } },
  ) => ({
    type,
    project: request.environment.project.key,
    environment: request.environment.environment.key,
    experiment: request.params.key,
    payload: {},
    preparedAgainst: [],
  });

  app.post('/experiments', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: "Create an experiment on a flag's variants (a draft until started)",
      body: createExperimentBodySchema,
      response: { 201: experimentSchema, ...problemResponses(400, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const { project, environment } = request.environment;
      const experiment = await commands.run(
        {
          type: 'experiment.create',
          project: project.key,
          environment: environment.key,
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `${request.url.replace(/\/?(\?.*)?$/, '')}/${encodeURIComponent(experiment.key)}`)
        .send(toExperimentResponse(experiment));
    },
  });

  app.get('/experiments', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'List all experiments, sorted by key',
      response: { 200: z.array(experimentSchema) },
    },
    handler: async (request) => experimentService.list(request.environment).map(toExperimentResponse),
  });

  app.get('/experiments/:key', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Read an experiment',
      params: experimentParamsSchema,
      response: { 200: experimentSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toExperimentResponse(experimentService.get(request.environment, request.params.key)),
  });

  app.post('/experiments/:key/start', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Start recording exposures: 409 when the flag already runs another experiment',
      params: experimentParamsSchema,
      response: { 200: experimentSchema, ...problemResponses(400, 404, 409) },
    },
    handler: async (request) =>
      toExperimentResponse(await commands.run(onExperiment('experiment.start', request), request.principal)),
  });

  app.post('/experiments/:key/stop', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Stop the experiment: no more exposures, and events after now no longer count',
      params: experimentParamsSchema,
      response: { 200: experimentSchema, ...problemResponses(400, 404, 409) },
    },
    handler: async (request) =>
      toExperimentResponse(await commands.run(onExperiment('experiment.stop', request), request.principal)),
  });

  app.get('/experiments/:key/results', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Per metric and variant: users, rates or means, uplift with frequentist and Bayesian statistics, SRM',
      params: experimentParamsSchema,
      querystring: resultsQuerySchema,
      response: { 200: resultsSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) =>
      toResultsResponse(
        await experimentService.results(request.environment, request.params.key, {
          series: request.query.series === 'daily',
        }),
      ),
  });

  app.get('/experiments/:key/exposures/export', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['experiments'],
      summary: 'Every exposure, streamed as NDJSON or, with Accept: text/csv, CSV; ?after= resumes',
      params: experimentParamsSchema,
      querystring: exposureExportQuerySchema,
      response: { 200: z.string().describe('One exposure per line: user_id, variant, exposed_at, multiple') },
    },
    handler: async (request, reply) => {
      // Unknown experiments get their 404 before the stream starts.
      experimentService.get(request.environment, request.params.key);
      const rows = experimentService.exposures(request.environment, request.params.key, request.query.after ?? null);
      return sendRows(request, reply, ['user_id', 'variant', 'exposed_at', 'multiple'], mapRows(rows));
    },
  });
};

async function* mapRows(rows: AsyncIterable<{ userId: string; variant: string; atMs: number; multiple: boolean }>) {
  for await (const r of rows) {
    yield { user_id: r.userId, variant: r.variant, exposed_at: new Date(r.atMs).toISOString(), multiple: r.multiple };
  }
}
