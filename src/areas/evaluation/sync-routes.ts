import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { etagOnSend } from '../../http/etag.js';
import {
  configQuerySchema,
  type EnvironmentConfigBody,
  environmentConfigSchema,
  toEnvironmentConfigResponse,
} from './sync-schemas.js';
import { notModified, problemResponses } from '../../http/problem-schemas.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import type { FlagsAsCode } from '../projects/flags-as-code.js';

interface Dependencies {
  flagsAsCode: FlagsAsCode;
  /** The environment as of at least this revision, reading the database first when the snapshot is behind it. */
  atLeast(view: EnvironmentView, revision: number): Promise<EnvironmentView>;
}

export const syncRoutes: FastifyPluginAsyncZod<Dependencies> = async (app, { flagsAsCode, atLeast }) => {
  /**
   * Each environment view's document, serialised once: every provider asks for the same one after a
   * change, and 10,000 flags took 160–440 ms a request to build. A view never changes (a change
   * builds a new one), so the cache needs no invalidation, and it goes with its view (which may hold
   * a newer state's document: never an older one). Serialised by JSON.stringify: the body is built by
   * our own code, so it needs no check on the way out.
   */
  const bodies = new WeakMap<EnvironmentView, string>();
  const bodyOf = (view: EnvironmentView) => {
    let body = bodies.get(view);
    if (body === undefined) {
      body = JSON.stringify(toEnvironmentConfigResponse(flagsAsCode.exportEnvironment(view)));
      bodies.set(view, body);
    }
    return body;
  };

  app.get('/config', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['evaluation'],
      summary: "The environment's whole configuration, for evaluating flags in the application's own process",
      description:
        "Flags (this environment's settings), segments with their user lists, pending scheduled changes and " +
        'running experiments, at `revision`. Needs a server or admin key: evaluate keys, which may reach browsers, ' +
        "may not read segments' user lists. Sends an ETag of the body; If-None-Match answers 304 while nothing " +
        'changed. Follow `GET /stream` and fetch again on each change, with `min_revision` set to its id.',
      querystring: configQuerySchema,
      response: { 200: environmentConfigSchema, 304: notModified, ...problemResponses(401, 403, 404) },
    },
    onSend: etagOnSend,
    handler: async (request, reply) => {
      const { min_revision: minRevision } = request.query;
      const view = minRevision === undefined ? request.environment : await atLeast(request.environment, minRevision);
      // Already serialised: Fastify sends a string with a JSON content type as it is (the type is the schema's).
      const body = bodyOf(view) as unknown as EnvironmentConfigBody;
      return reply.type('application/json; charset=utf-8').send(body);
    },
  });
};
