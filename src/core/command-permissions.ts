/** What each command needs of its caller: the permission, and where (the pipeline's authorise step asks). */
import type { Command } from './commands.js';
import type { Permission } from './permissions.js';

/**
 * One permission a command needs. `environment`: the key of the environment it must be held in,
 * 'every' for all the project's environments, undefined for the project as a whole (or globally,
 * for a command on no project).
 */
export interface Need {
  permission: Permission;
  environment?: string | 'every';
}

/** Every command type's needs; a new command type does not compile until it says what it needs. */
export function commandNeeds(command: Command): Need[] {
  switch (command.type) {
    case 'flag.create':
    case 'flag.update':
    case 'flag_settings.update':
      return [{ permission: 'flag.write', environment: command.environment }];
    // A definition belongs to no environment (an editor narrowed to some may change it); deleting a
    // flag removes it from every environment.
    case 'flag_definition.create':
    case 'flag_definition.update':
      return [{ permission: 'flag.write' }];
    case 'flag.delete':
      return [{ permission: 'flag.write', environment: 'every' }];
    case 'segment.create':
    case 'segment.update':
    case 'segment.delete':
      return [{ permission: 'segment.write' }];
    case 'schedule.create':
    case 'schedule.cancel':
    case 'schedule.apply':
      return [{ permission: 'schedule.manage', environment: command.environment }];
    case 'experiment.create':
    case 'experiment.start':
    case 'experiment.stop':
      return [{ permission: 'experiment.manage', environment: command.environment }];
    case 'api_key.create':
    case 'api_key.revoke':
      return [{ permission: 'key.manage' }];
    case 'webhook.create':
    case 'webhook.update':
    case 'webhook.delete':
      return [{ permission: 'webhook.manage' }];
    case 'project.create':
      return [{ permission: 'project.create' }];
    case 'project.update':
    case 'project.delete':
      return [{ permission: 'project.manage' }];
    case 'environment.create':
    case 'environment.update':
    case 'environment.delete':
      return [{ permission: 'environment.manage' }];
    case 'environment.promote':
    case 'flag.promote':
      return [{ permission: 'environment.promote', environment: command.payload.to }];
    case 'project.import':
      return [{ permission: 'flag.write', environment: 'every' }, { permission: 'segment.write' }];
  }
}
