import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { parseJsonInTurns } from '../../http/json-body.js';
import { problemResponses } from '../../http/problem-schemas.js';
import {
  checkFlagsInTurns,
  fromDocument,
  importBodySchema,
  importEnvelopeSchema,
  importResultSchema,
  toImportResultResponse,
} from './flags-as-code-schemas.js';
import { projectParamsSchema } from './project-schemas.js';
import type { Commands } from '../commands/command-handlers.js';
import { sendJsonWithListInTurns } from '../../http/row-stream.js';

/** The import's body is checked without its flags (importEnvelopeSchema); everything else as usual. */
const importValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const own = route as Parameters<typeof validatorCompiler>[0];
  return validatorCompiler(route.httpPart === 'body' ? { ...own, schema: importEnvelopeSchema } : own);
};

/**
 * POST /projects/{project}/import, in a plugin of its own for its body: a document of thousands of flags
 * (11 MB for 2,000) is parsed, checked, planned, written and answered a piece at a time, with the
 * event loop given its turns, so evaluations stay fast while it runs (docs/performance.md).
 */
export const projectImportRoutes: FastifyPluginAsyncZod<{ commands: Commands }> = async (app, { commands }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    async (_request: unknown, body: string | Buffer) => parseJsonInTurns(body as Buffer, ['document', 'flags']),
  );

  app.post('/projects/:project/import', {
    config: { addresses: 'project' },
    // A project's document, thousands of flags with their rules.
    bodyLimit: 16 * 1024 * 1024,
    schema: {
      tags: ['projects'],
      summary: 'Apply a document: answers what changes, and applies it in one transaction unless dry_run',
      params: projectParamsSchema,
      body: importBodySchema,
      response: { 200: importResultSchema, ...problemResponses(400, 404, 409, 413, 415) },
    },
    // The body is checked with importBodySchema's rules in two parts: all but the flags here, the flags
    // one at a time in the handler, giving the event loop its turns (a document of thousands of flags).
    validatorCompiler: importValidatorCompiler,
    handler: async (request, reply) => {
      const { document, mode, dry_run } = request.body as unknown as z.output<typeof importEnvelopeSchema>;
      const flags = await checkFlagsInTurns(document.flags);
      const key = request.project.project.key;
      const result = await commands.run(
        {
          type: 'project.import',
          project: key,
          payload: { document: fromDocument({ ...document, flags }, key), mode, dryRun: dry_run },
          preparedAgainst: [],
        },
        request.principal,
      );
      // Thousands of changes with their fields: written out a change at a time.
      const { changes, ...rest } = toImportResultResponse(result);
      return sendJsonWithListInTurns(reply, rest, 'changes', changes);
    },
  });
};
