import type { CommandHandlers } from './command-pipeline.js';
import { CommandPipeline, type Hold } from './command-pipeline.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { apiKeyCommands } from './api-key-commands.js';
import { experimentCommands } from './experiment-commands.js';
import type { ExperimentData } from '../db/repositories.js';
import { flagCommands } from './flag-commands.js';
import { importCommands } from './flags-as-code.js';
import { projectCommands } from './project-commands.js';
import { promotionCommands } from './promotion-commands.js';
import { scheduleCommands } from './schedule-commands.js';
import { segmentCommands } from './segment-commands.js';
import type { NetworkPolicy } from './network-guard.js';
import { webhookCommands, webhookPrechecks } from './webhook-commands.js';

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
