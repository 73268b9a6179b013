import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createFlagBodySchema,
  flagParamsSchema,
  flagSchema,
  toFlagResponse,
  updateFlagBodySchema,
} from '../schemas/flags.js';
import { etagOnSend } from '../plugins/etag.js';
import { fastSerializerCompiler } from '../plugins/fast-serializer.js';
import { notModified, problemResponses } from '../schemas/problem.js';
import type { Override } from '../core/model.js';
import type { overrideSchema, ruleSchema } from '../schemas/targeting.js';
import type { FlagService, RuleInput } from '../services/flag-service.js';

type RuleBody = z.infer<typeof ruleSchema>;
type OverrideBody = z.infer<typeof overrideSchema>;
const toRuleInput = (r: RuleBody): RuleInput => ({
  segment: r.segment,
  conditions: r.conditions,
  rolloutPercentage: r.rollout_percentage,
  variants: r.variants,
});
const toOverride = (o: OverrideBody): Override => ({ userId: o.user_id, enabled: o.enabled, variant: o.variant });

export const flagRoutes: FastifyPluginAsyncZod<{ flagService: FlagService }> = async (app, { flagService }) => {
  app.post('/flags', {
    schema: {
      tags: ['flags'],
      summary: 'Create a flag',
      body: createFlagBodySchema,
      response: { 201: flagSchema, ...problemResponses(400, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const { flag_name, status, rollout_percentage, description, variants, rules, overrides, prerequisites } =
        request.body;
      const flag = await flagService.create(
        {
          name: flag_name,
          status,
          rolloutPercentage: rollout_percentage,
          description,
          variants,
          rules: rules.map(toRuleInput),
          overrides: overrides.map(toOverride),
          prerequisites,
        },
        request.principal,
      );
      return reply
        .code(201)
        .header('location', `/flags/${encodeURIComponent(flag.name)}`)
        .send(toFlagResponse(flag));
    },
  });

  app.get('/flags', {
    schema: {
      tags: ['flags'],
      summary: 'List all flags, sorted by name',
      response: { 200: z.array(flagSchema), 304: notModified },
    },
    // Dashboards and SDKs poll this: fast serialisation, and 304 when nothing changed.
    serializerCompiler: fastSerializerCompiler,
    onSend: etagOnSend,
    handler: async () => flagService.list().map(toFlagResponse),
  });

  app.get('/flags/:flag_name', {
    schema: {
      tags: ['flags'],
      summary: 'Read a flag',
      params: flagParamsSchema,
      response: { 200: flagSchema, ...problemResponses(400, 404) },
    },
    handler: async (request) => toFlagResponse(flagService.get(request.params.flag_name)),
  });

  // PUT as the API has always documented it; PATCH because a partial update is what it means (RFC 5789).
  app.route({
    method: ['PUT', 'PATCH'],
    url: '/flags/:flag_name',
    schema: {
      tags: ['flags'],
      summary: 'Change some fields of a flag',
      description: 'Partial update: only the fields sent change. Renaming is not allowed; unknown fields are rejected.',
      params: flagParamsSchema,
      body: updateFlagBodySchema,
      response: { 200: flagSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request) => {
      const { status, rollout_percentage, description, variants, rules, overrides, prerequisites } = request.body;
      const flag = await flagService.update(
        request.params.flag_name,
        {
          status,
          rolloutPercentage: rollout_percentage,
          description,
          variants,
          rules: rules?.map(toRuleInput),
          overrides: overrides?.map(toOverride),
          prerequisites,
        },
        request.principal,
      );
      return toFlagResponse(flag);
    },
  });

  app.delete('/flags/:flag_name', {
    schema: {
      tags: ['flags'],
      summary: 'Delete a flag',
      params: flagParamsSchema,
      response: { 204: z.null().describe('Deleted'), ...problemResponses(400, 404) },
    },
    handler: async (request, reply) => {
      await flagService.delete(request.params.flag_name, request.principal);
      return reply.code(204).send(null);
    },
  });
};
