import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { emptyQuerySkippingValidatorCompiler } from '../../http/empty-query-validator.js';
import { etagOnSend } from '../../http/etag.js';
import { fastSerializerCompiler } from '../../http/fast-serializer.js';
import { basisPointsToPercentage } from '../../core/rollout.js';
import {
  attributesQuerySchema,
  evaluateBodySchema,
  flagEvaluationSchema,
  flagNameParamsSchema,
  userFlagDetailsSchema,
  userFlagParamsSchema,
  userFlagsSchema,
  userParamsSchema,
} from './evaluation-schemas.js';
import { notModified, problemResponses } from '../../http/problem-schemas.js';
import type { Decision } from '../../core/evaluation.js';
import type { EvaluationService } from './evaluation-service.js';

const toEvaluationResponse = (userId: string, result: Decision) => ({
  user_id: userId,
  flag_name: result.flag.name,
  enabled: result.enabled,
  reason: result.reason,
  bucket: basisPointsToPercentage(result.bucketBasisPoints),
  variant: result.variant?.key ?? null,
  payload: result.variant?.payload ?? null,
  value: valueOf(result),
});

/** OpenFeature's value: whether the flag is on, or for a typed flag the variant's value (null without one). */
const valueOf = ({ flag, enabled, variant }: Decision) =>
  flag.valueType === 'boolean' ? enabled : (variant?.value ?? null);

export const evaluationRoutes: FastifyPluginAsyncZod<{ evaluationService: EvaluationService }> = async (
  app,
  { evaluationService },
) => {
  // Every page view of a client app lands here: serialise without per-response validation, and do
  // not validate the attributes of a request that has none.
  app.setSerializerCompiler(fastSerializerCompiler);
  app.setValidatorCompiler(emptyQuerySkippingValidatorCompiler);

  app.get('/users/:user_id/flags', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate every flag for a user',
      params: userParamsSchema,
      querystring: attributesQuerySchema,
      response: { 200: userFlagsSchema, 304: notModified, ...problemResponses(400) },
    },
    onSend: etagOnSend,
    handler: async (request) => ({
      user_id: request.params.user_id,
      flags: evaluationService.enabledFlags(request.environment, request.params.user_id, request.query),
    }),
  });

  app.get('/users/:user_id/flags/:flag_name', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate one flag for a user, with the reason',
      params: userFlagParamsSchema,
      querystring: attributesQuerySchema,
      response: { 200: flagEvaluationSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) =>
      toEvaluationResponse(
        request.params.user_id,
        evaluationService.evaluate(
          request.environment,
          request.params.user_id,
          request.params.flag_name,
          request.query,
        ),
      ),
  });

  app.post('/evaluate', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate every flag for a user and their attributes, with reasons and variants',
      body: evaluateBodySchema,
      response: { 200: userFlagDetailsSchema, ...problemResponses(400, 413, 415) },
    },
    handler: async (request) => {
      const { user_id, attributes } = request.body;
      const flags = Object.fromEntries(
        evaluationService.evaluateAll(request.environment, user_id, attributes).map((r) => [
          r.flag.name,
          {
            enabled: r.enabled,
            reason: r.reason,
            variant: r.variant?.key ?? null,
            payload: r.variant?.payload ?? null,
            value: valueOf(r),
          },
        ]),
      );
      return { user_id, flags };
    },
  });

  app.post('/evaluate/:flag_name', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate one flag for a user and their attributes',
      params: flagNameParamsSchema,
      body: evaluateBodySchema,
      response: { 200: flagEvaluationSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request) => {
      const { user_id, attributes } = request.body;
      return toEvaluationResponse(
        user_id,
        evaluationService.evaluate(request.environment, user_id, request.params.flag_name, attributes),
      );
    },
  });
};
