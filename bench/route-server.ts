// A reference row, the service's single-flag route alone: bare Fastify with the service's server options (logger,
// request ids, timeouts), its zod validation and fast serialiser, deciding from 100 flags in a Map.
// No API keys, rate limits, response headers, metrics or database: the gap between this and the
// bare route is what Fastify's features cost; the gap between this and the service, what the service adds.
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Flag } from '../src/core/flags.js';
import { plainFlag } from './reference-answer.js';
import { serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { decide } from '../src/core/evaluation.js';
import { emptyQuerySkippingValidatorCompiler } from '../src/http/empty-query-validator.js';
import { fastSerializerCompiler } from '../src/http/fast-serializer.js';
import { basisPointsToPercentage } from '../src/core/rollout.js';
import {
  attributesQuerySchema,
  flagEvaluationSchema,
  userFlagParamsSchema,
} from '../src/areas/evaluation/evaluation-schemas.js';

const config = loadConfig();
const flags = new Map<string, Flag>();
for (let i = 0; i < 100; i++) {
  const name = `flag_${i}`;
  // The rollouts bench/run.ts seeds the service with.
  flags.set(name, plainFlag(name, (i % 100) * 100 + 50));
}

const app = Fastify(serverOptions(config)).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(emptyQuerySkippingValidatorCompiler);
app.setSerializerCompiler(fastSerializerCompiler);
app.get('/users/:user_id/flags/:flag_name', {
  schema: { params: userFlagParamsSchema, querystring: attributesQuerySchema, response: { 200: flagEvaluationSchema } },
  handler: async (request, reply) => {
    const { user_id, flag_name } = request.params;
    const flag = flags.get(flag_name);
    if (!flag) return reply.callNotFound();
    const decision = decide(flag, user_id, request.query);
    return {
      user_id,
      flag_name,
      enabled: decision.enabled,
      reason: decision.reason,
      bucket: basisPointsToPercentage(decision.bucketBasisPoints),
      variant: null,
      payload: null,
      value: decision.enabled,
    };
  },
});
await app.listen({ port: config.port, host: '127.0.0.1' });
