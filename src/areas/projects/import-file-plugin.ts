import { readFileSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config.js';
import { type Principal, systemPrincipal } from '../../core/permissions.js';
import { ConflictError } from '../../errors.js';
import { flagsDocumentSchema, fromDocument } from './flags-as-code-schemas.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { Commands } from '../commands/command-handlers.js';
import { DEFAULT_PROJECT } from './addressing.js';
import { DEFAULT_EXPERIMENT_SETTINGS } from '../../core/projects.js';

const IMPORTER: Principal = systemPrincipal('FLAGS_IMPORT_FILE');

/**
 * FLAGS_IMPORT_FILE: a flags document (an export, JSON or YAML) merged into its project at start,
 * creating the project with the document's environments when it does not exist yet. Merging is
 * idempotent, so every instance and every restart may do it; a file that cannot be read or does not
 * hold a valid document stops the start with a message saying why.
 */
async function importFlagsFile(
  path: string,
  services: { snapshot: ConfigSnapshot; commands: Commands },
  log: FastifyBaseLogger,
): Promise<void> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`FLAGS_IMPORT_FILE: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    // YAML reads JSON as well.
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`FLAGS_IMPORT_FILE: ${path} is neither JSON nor YAML: ${(error as Error).message}`);
  }
  const checked = flagsDocumentSchema.safeParse(parsed);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.join('/') || 'document'}: ${issue.message}`);
    throw new ConfigError(`FLAGS_IMPORT_FILE: ${path} is not a flags document:\n  ${problems.join('\n  ')}`);
  }
  const key = checked.data.project?.key ?? DEFAULT_PROJECT;
  const document = fromDocument(checked.data, key);
  if (!services.snapshot.project(key)) {
    await services.commands
      .run(
        {
          type: 'project.create',
          project: null,
          payload: {
            ...document.project,
            environments: document.environments.length > 0 ? document.environments : null,
            experimentSettings: DEFAULT_EXPERIMENT_SETTINGS,
          },
          preparedAgainst: [],
        },
        IMPORTER,
      )
      // Another instance starting with the same file created it first.
      .catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
  }
  const project = services.snapshot.project(key);
  if (!project) throw new ConfigError(`FLAGS_IMPORT_FILE: project "${key}" could not be created`);
  try {
    const result = await services.commands.run(
      {
        type: 'project.import',
        project: key,
        payload: { document, mode: 'merge', dryRun: false },
        preparedAgainst: [],
      },
      IMPORTER,
    );
    log.info({ file: path, project: key, changes: result.changes.length }, 'imported FLAGS_IMPORT_FILE');
  } catch (error) {
    if (error instanceof ConflictError) throw new ConfigError(`FLAGS_IMPORT_FILE: ${path}: ${error.message}`);
    throw error;
  }
}

/** Imports FLAGS_IMPORT_FILE, when it is set, before the service answers anything. */
export const importFilePlugin = fp<{ path: string | undefined }>(
  async (app, { path }) => {
    if (path !== undefined)
      await importFlagsFile(path, { snapshot: app.readModel.snapshot, commands: app.commands }, app.log);
  },
  { name: 'flags-import-file', dependencies: ['read-model', 'commands'] },
);
