import fp from 'fastify-plugin';
import type { CommandHandlers } from './command-pipeline.js';
import { CommandPipeline, type Hold } from './command-pipeline.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import { ConfigWriter } from './config-writer.js';
import { apiKeyCommands } from '../api-keys/api-key-commands.js';
import { experimentCommands } from '../experiments/experiment-commands.js';
import type { ExperimentData } from '../experiments/experiment-store.js';
import { flagCommands } from '../flags/flag-commands.js';
import { importCommands } from '../projects/flags-as-code.js';
import { projectCommands } from '../projects/project-commands.js';
import { promotionCommands } from '../projects/promotion-commands.js';
import { scheduleCommands } from '../schedules/schedule-commands.js';
import { segmentCommands } from '../segments/segment-commands.js';
import type { NetworkPolicy } from '../../support/network-guard.js';
import { webhookCommands, webhookPrechecks } from '../webhooks/webhook-commands.js';

/** What handlers take from the service's configuration. */
export interface HandlerSettings {
  /** ADMIN_API_KEY is set: revoking the last admin key locks nobody out. */
  hasAdminEnvKey: boolean;
  /** Exposures and events, deleted with the environments and experiments they belong to. */
  experimentData: ExperimentData;
}

export interface PipelineSettings extends HandlerSettings {
  /** Where webhooks may point. */
  network: NetworkPolicy;
  hold?: Hold;
}

/** Every command type's handler, by type. */
export const commandHandlers = (settings: HandlerSettings) =>
  ({
    ...flagCommands,
    ...segmentCommands,
    ...scheduleCommands,
    ...experimentCommands,
    ...apiKeyCommands(settings),
    ...webhookCommands,
    ...projectCommands(settings.experimentData),
    ...promotionCommands,
    ...importCommands,
  }) satisfies CommandHandlers;

export type Commands = CommandPipeline<ReturnType<typeof commandHandlers>>;

export const commandPipeline = (writer: ConfigWriter, snapshot: ConfigSnapshot, settings: PipelineSettings): Commands =>
  new CommandPipeline(writer, snapshot, commandHandlers(settings), settings.hold, webhookPrechecks(settings.network));

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs every configuration change (command-pipeline.ts). */
    commands: Commands;
  }
}

/** The one path every configuration change takes, writing through the database to the read model. */
export const commandPipelinePlugin = fp<Omit<PipelineSettings, 'experimentData'>>(
  async (app, options) => {
    const { database, readModel, experimentData } = app;
    const settings = { ...options, experimentData };
    const writer = new ConfigWriter(database.store, readModel.snapshot, readModel.keyRing);
    app.decorate('commands', commandPipeline(writer, readModel.snapshot, settings));
  },
  { name: 'commands', dependencies: ['database', 'experiment-store', 'read-model'] },
);
