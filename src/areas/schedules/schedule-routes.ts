import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { flagParamsSchema } from '../flags/flag-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import {
  createScheduleBodySchema,
  scheduleParamsSchema,
  scheduleSchema,
  toScheduleResponse,
} from './schedule-schemas.js';
import type { Commands } from '../commands/command-handlers.js';
import type { ScheduleService } from './schedule-service.js';

export const scheduleRoutes: FastifyPluginAsyncZod<{ scheduleService: ScheduleService; commands: Commands }> = async (
  app,
  { scheduleService, commands },
) => {
  app.post('/flags/:flag_name/schedules', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Schedule a change to a flag: evaluation follows it from its time on, without a cron job',
      params: flagParamsSchema,
      body: createScheduleBodySchema,
      response: { 201: scheduleSchema, ...problemResponses(400, 404, 413, 415) },
    },
    handler: async (request, reply) => {
      const { project, environment } = request.environment;
      const change = await commands.run(
        {
          type: 'schedule.create',
          project: project.key,
          environment: environment.key,
          flag: request.params.flag_name,
          schedule: randomUUID(),
          payload: request.body,
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(201).send(toScheduleResponse(change));
    },
  });

  app.get('/flags/:flag_name/schedules', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: "A flag's scheduled changes by time, applied ones included",
      params: flagParamsSchema,
      response: { 200: z.array(scheduleSchema), ...problemResponses(400, 404) },
    },
    handler: async (request) =>
      (await scheduleService.list(request.environment, request.params.flag_name)).map(toScheduleResponse),
  });

  app.delete('/flags/:flag_name/schedules/:schedule_id', {
    config: { addresses: 'environment' },
    schema: {
      tags: ['flags'],
      summary: 'Cancel a pending scheduled change (409 once applied)',
      params: scheduleParamsSchema,
      response: { 204: z.null().describe('Cancelled'), ...problemResponses(400, 404, 409) },
    },
    handler: async (request, reply) => {
      const { project, environment } = request.environment;
      await commands.run(
        {
          type: 'schedule.cancel',
          project: project.key,
          environment: environment.key,
          flag: request.params.flag_name,
          schedule: request.params.schedule_id,
          payload: {},
          preparedAgainst: [],
        },
        request.principal,
      );
      return reply.code(204).send(null);
    },
  });
};
