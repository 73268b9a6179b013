import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { etagOnSend } from '../plugins/etag.js';
import { fastSerializerCompiler } from '../plugins/fast-serializer.js';
import { basisPointsToPercentage } from '../rollout.js';
import { flagEvaluationSchema, userFlagParamsSchema, userFlagsSchema, userParamsSchema } from '../schemas/evaluation.js';
import { notModified, problemResponses } from '../schemas/problem.js';
import type { EvaluationService } from '../services/evaluation-service.js';

export const evaluationRoutes: FastifyPluginAsyncZod<{ evaluationService: EvaluationService }> = async (
  app,
  { evaluationService },
) => {
  // Every page view of a client app lands here: serialise without per-response validation.
  app.setSerializerCompiler(fastSerializerCompiler);

  app.get('/users/:user_id/flags', {
    config: { access: 'evaluate' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate every flag for a user',
      params: userParamsSchema,
      response: { 200: userFlagsSchema, 304: notModified, ...problemResponses(400) },
    },
    onSend: etagOnSend,
    handler: async (request) => ({
      user_id: request.params.user_id,
      flags: evaluationService.evaluateAll(request.params.user_id),
    }),
  });

  app.get('/users/:user_id/flags/:flag_name', {
    config: { access: 'evaluate' },
    schema: {
      tags: ['evaluation'],
      summary: 'Evaluate one flag for a user, with the reason',
      params: userFlagParamsSchema,
      response: { 200: flagEvaluationSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => {
      const result = evaluationService.evaluate(request.params.user_id, request.params.flag_name);
      return {
        user_id: result.userId,
        flag_name: result.flagName,
        enabled: result.enabled,
        reason: result.reason,
        bucket: basisPointsToPercentage(result.bucketBasisPoints),
        variant: result.variant?.key ?? null,
        payload: result.variant?.payload ?? null,
      };
    },
  });
};
