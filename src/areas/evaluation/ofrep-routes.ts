import type { FastifyError, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../errors.js';
import { AddressNotFoundError } from '../projects/addressing.js';
import { etagOnSendVarying } from '../../http/etag.js';
import { notModified, problemSchema } from '../../http/problem-schemas.js';
import { z } from 'zod';
import type { Principal } from '../../core/permissions.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import {
  ofrepBulkQuerySchema,
  ofrepBulkSchema,
  ofrepEvaluationSchema,
  ofrepFailureSchema,
  ofrepParamsSchema,
  ofrepRequestSchema,
} from './ofrep-schemas.js';
import { type OfrepService, TargetingKeyMissingError } from './ofrep-service.js';
import type { OpenFeatureSubject } from '../../core/openfeature.js';
import type { Attributes } from '../../core/targeting.js';

type Context = { targetingKey?: string } & Attributes;
const contextOf = (request: FastifyRequest) => (request.body as { context?: Context } | null | undefined)?.context;

/** The context's targetingKey is the user; everything else in it is attributes. */
function subjectOf(context: Context | undefined): OpenFeatureSubject {
  const { targetingKey, ...attributes } = context ?? {};
  return { targetingKey, attributes };
}

/** Fastify's own errors for a body that is not JSON at all. */
const isParseError = (error: FastifyError) =>
  error.statusCode === 400 &&
  (error instanceof SyntaxError ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY');

/**
 * The OpenFeature Remote Evaluation Protocol, so OpenFeature SDKs (with an OFREP provider) use this
 * service unmodified. Its errors have the protocol's own shape, `{key, errorCode, errorDetails}`;
 * 401, 403, 413, 415 and 429, for which the protocol defines no body, stay problem details.
 */
/** What the bulk evaluation needs for its event stream. */
export interface OfrepStreams {
  tokenFor(principal: Principal, environmentId: number): string;
  /** The environment as of at least this revision, reading the database first when the snapshot is behind it. */
  atLeast(view: EnvironmentView, revision: number): Promise<EnvironmentView>;
}

// The protocol's default: clients close the stream after this long in the background.
const INACTIVITY_DELAY_SEC = 120;

export const ofrepRoutes: FastifyPluginAsyncZod<{ ofrepService: OfrepService; streams: OfrepStreams }> = async (
  app,
  { ofrepService, streams },
) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const key = (request.params as { key?: string } | undefined)?.key;
    // An unknown project or environment is the path's problem, not the flag's: problem details, like every 404.
    if (error instanceof NotFoundError && !(error instanceof AddressNotFoundError) && key !== undefined)
      return reply.code(404).send({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: error.message });
    if (error instanceof TargetingKeyMissingError)
      return reply.code(400).send({ key, errorCode: 'TARGETING_KEY_MISSING', errorDetails: error.message });
    if (isParseError(error))
      return reply.code(400).send({ key, errorCode: 'PARSE_ERROR', errorDetails: error.message });
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation
        .map((issue) => `${issue.instancePath.slice(1) || 'body'}: ${issue.message}`)
        .join('; ');
      return reply
        .code(400)
        .send({ key, errorCode: 'INVALID_CONTEXT', errorDetails: `The evaluation context is invalid: ${details}` });
    }
    // Everything else (auth, rate limits, media type, 5xx) is handled by the app's error handler.
    throw error;
  });

  app.post('/ofrep/v1/evaluate/flags/:key', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['ofrep'],
      summary: 'OFREP: evaluate one flag for a context',
      description:
        '`context.targetingKey` is the user id, other context fields are attributes. Same answers as POST ' +
        '/evaluate/{flag_name}.',
      params: ofrepParamsSchema,
      body: ofrepRequestSchema,
      response: {
        200: ofrepEvaluationSchema,
        400: ofrepFailureSchema,
        // The protocol's FLAG_NOT_FOUND, or problem details for a project or environment that is not there.
        404: z.union([ofrepFailureSchema, problemSchema]),
      },
    },
    handler: async (request) =>
      ofrepService.evaluate(request.environment, request.params.key, subjectOf(request.body?.context)),
  });

  app.post('/ofrep/v1/evaluate/flags', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['ofrep'],
      summary: 'OFREP: evaluate every flag for a context',
      description:
        "Sends an ETag that covers the flags and the context: If-None-Match answers 304 only when this context's " +
        'answers are unchanged.',
      querystring: ofrepBulkQuerySchema,
      body: ofrepRequestSchema,
      response: { 200: ofrepBulkSchema, 304: notModified, 400: ofrepFailureSchema, 404: problemSchema },
    },
    // The context is part of the tag: a client whose context changed never gets another context's 304.
    onSend: etagOnSendVarying((request) => JSON.stringify(contextOf(request) ?? {})),
    handler: async (request) => {
      // Sent because of a change event: answer with at least that change, even on an instance that has not
      // heard of it yet.
      const revision = /^"?(\d+)"?$/.exec(request.query.flagConfigEtag ?? '')?.[1];
      const view =
        revision === undefined ? request.environment : await streams.atLeast(request.environment, Number(revision));
      const token = streams.tokenFor(request.principal, view.environment.id);
      return {
        flags: ofrepService.evaluateAll(view, subjectOf(request.body?.context)),
        eventStreams: [
          {
            type: 'sse' as const,
            endpoint: { requestUri: `/ofrep/v1/event-stream?token=${encodeURIComponent(token)}` },
            inactivityDelaySec: INACTIVITY_DELAY_SEC,
          },
        ],
      };
    },
  });
};
