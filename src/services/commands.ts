import type { CommandHandlers } from './command-pipeline.js';
import { CommandPipeline, type Hold } from './command-pipeline.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';
import { experimentCommands } from './experiment-commands.js';
import { flagCommands } from './flag-commands.js';
import { scheduleCommands } from './schedule-commands.js';
import { segmentCommands } from './segment-commands.js';

/** Every command type's handler, by type. */
export const commandHandlers = {
  ...flagCommands,
  ...segmentCommands,
  ...scheduleCommands,
  ...experimentCommands,
} satisfies CommandHandlers;

export type Commands = CommandPipeline<typeof commandHandlers>;

export const commandPipeline = (writer: ConfigWriter, snapshot: ConfigSnapshot, hold?: Hold): Commands =>
  new CommandPipeline(writer, snapshot, commandHandlers, hold);
