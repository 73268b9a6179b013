import { projectsWhere } from '../../core/permissions.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditPageSchema, auditQuerySchema, historyQuerySchema, toAuditEntryResponse } from './audit-schemas.js';
import { flagParamsSchema } from '../flags/flag-schemas.js';
import { problemResponses } from '../../http/problem-schemas.js';
import type { AuditPage, AuditService } from './audit-service.js';
import type { AddressResolver } from '../projects/addressing.js';

const toPageResponse = (page: AuditPage) => ({
  entries: page.entries.map(toAuditEntryResponse),
  next_cursor: page.nextCursor,
});

export const auditRoutes: FastifyPluginAsyncZod<{ auditService: AuditService; addresses: AddressResolver }> = async (
  app,
  { auditService, addresses },
) => {
  app.get('/audit', {
    schema: {
      tags: ['audit'],
      summary: 'Who changed what: every change to flags and API keys, newest first',
      querystring: auditQuerySchema,
      response: { 200: auditPageSchema, ...problemResponses(400) },
    },
    handler: async (request) => {
      const { flag_name, project, actor, actor_account, since, until, limit, cursor } = request.query;
      const filter = flag_name === undefined ? {} : { targetType: 'flag' as const, target: flag_name };
      // A caller who may not read every project reads one project's history at a time: the one named,
      // else its key's.
      const bound =
        projectsWhere(request.principal.grants, 'project.read') === 'all'
          ? undefined
          : addresses.project(request.principal, project, 'project.read');
      return toPageResponse(
        await auditService.page({
          ...filter,
          project: bound?.project.key ?? project,
          actor,
          actorAccount: actor_account,
          since: since === undefined ? undefined : new Date(since),
          until: until === undefined ? undefined : new Date(until),
          limit,
          cursor,
        }),
      );
    },
  });

  app.get('/flags/:flag_name/history', {
    config: { addresses: 'project' },
    schema: {
      tags: ['audit'],
      summary: "A flag's changes, newest first (kept after the flag is deleted)",
      params: flagParamsSchema,
      querystring: historyQuerySchema,
      response: { 200: auditPageSchema, ...problemResponses(400) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      return toPageResponse(
        await auditService.page({
          targetType: 'flag',
          target: request.params.flag_name,
          project: request.project.project.key,
          limit,
          cursor,
        }),
      );
    },
  });
};
