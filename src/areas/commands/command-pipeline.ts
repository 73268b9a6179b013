import {
  type Command,
  type CommandOfType,
  type CommandType,
  environmentOf,
  type ItemVersion,
} from '../../core/commands.js';
import type { Actor } from '../../core/audit.js';
import type { Environment, Project } from '../../core/projects.js';
import type { ConfigWrite } from '../../db/repositories.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { lacks } from '../api-keys/auth-service.js';
import { holds, type Principal, reachesProject } from '../../core/permissions.js';
import { commandNeeds } from '../../core/command-permissions.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';
import type { ConfigWriter } from './config-writer.js';

/** What a command's handler works with: the committed project (and environment) it addresses, and who asks. */
/**
 * What a handler works with. `W` is the part of the unit of work it uses: each area's handlers name
 * theirs (a Pick of ConfigWrite), so a handler sees only the writes of its own area.
 */
export interface CommandContext<W = ConfigWrite> {
  write: W;
  project: Project;
  /** Set for commands on one environment. */
  environment: Environment | undefined;
  actor: Actor;
  /** Work outside the configuration (deleting exposures and events) to do once the change has committed. */
  afterCommit(work: () => Promise<void>): void;
}

/** For commands on what may belong to no project (keys, webhooks): the project is null for global ones. */
export type GlobalCommandContext<W = ConfigWrite> = Omit<CommandContext<W>, 'project'> & { project: Project | null };

/**
 * Checks the command against the committed state and writes it, with its audit entry (which writes the
 * webhook outbox), in the pipeline's transaction: reads what its checks need once, up front.
 */
export type CommandHandler<T extends CommandType, R> = (
  command: CommandOfType<T>,
  context: CommandOfType<T>['project'] extends string ? CommandContext : GlobalCommandContext,
) => Promise<R>;

/** Every command type's handler; results are what the routes answer with. */
export type CommandHandlers = { [T in CommandType]: CommandHandler<T, unknown> };

/** A handler's result type, for a caller that runs a command of a known type. */
export type ResultOf<H extends CommandHandlers, T extends CommandType> = Awaited<ReturnType<H[T]>>;

/**
 * Who may run a command: the caller must hold each permission it needs (core/command-permissions.ts)
 * where it needs it. A project the caller reaches nowhere answers as missing, as reads do, so project
 * names do not leak. A project or environment this instance has not seen yet counts as needing a grant
 * on every project or environment.
 */
export function authorise(principal: Principal, command: Command, snapshot: ConfigSnapshot): void {
  const project = command.project === null ? undefined : snapshot.project(command.project);
  const projectId = project?.project.id ?? UNSEEN;
  if (command.project !== null && !reachesProject(principal.grants, projectId)) {
    throw new NotFoundError(`Project "${command.project}" not found`);
  }
  for (const { permission, environment } of commandNeeds(command)) {
    if (command.project === null) {
      if (!holds(principal.grants, permission, { projectId: null })) throw lacks(principal, permission);
      continue;
    }
    const environmentId =
      environment === undefined || environment === 'every'
        ? environment
        : (project?.environment(environment)?.id ?? UNSEEN);
    if (!holds(principal.grants, permission, { projectId, environmentId })) {
      const where =
        environment === undefined ? '' : environment === 'every' ? ' in every environment' : ` in "${environment}"`;
      throw lacks(principal, permission, `${where} of project "${command.project}"`);
    }
  }
}

/** An id no project or environment has. */
const UNSEEN = -1;

/**
 * Whether a command waits for someone before it runs. Today nothing waits: every command goes on.
 * Change requests plug in here (they store the command and run it once approved).
 */
export type Hold = (command: Command, principal: Principal) => Promise<'proceed'>;
export const proceed: Hold = async () => 'proceed';

/**
 * Checks a command needs that are not about the committed configuration and may wait on the network
 * (a webhook's address resolving to a refused range): run before the transaction, never holding it.
 */
export type Prechecks = { [T in CommandType]?: (command: CommandOfType<T>) => Promise<void> };

const describeItem = (item: ItemVersion) =>
  item.environment === null ? `${item.item} "${item.key}"` : `${item.item} "${item.key}" in "${item.environment}"`;

/** Each item's committed version, read once for all of them; undefined where the item is gone. */
async function committedVersions(write: ConfigWrite, project: Project | null, items: readonly ItemVersion[]) {
  // A global command (project null) has no project items: they count as gone.
  const needs = (kind: ItemVersion['item']) => project !== null && items.some((item) => item.item === kind);
  const projectId = project?.id ?? 0;
  const webhookIds = items.filter((item) => item.item === 'webhook').map((item) => item.key);
  const [environments, flags, segments, webhooks] = await Promise.all([
    needs('environment') || needs('flag_settings') || needs('experiment') ? write.environments(projectId) : [],
    needs('flag') || needs('flag_settings') ? write.flags(projectId) : [],
    needs('segment') ? write.segments(projectId) : [],
    Promise.all(webhookIds.map((id) => write.webhook(id))),
  ]);
  const settingsOf = new Map<number, Map<number, number>>();
  if (needs('flag_settings')) {
    for (const environment of environments) {
      const configs = await write.configsOfEnvironment(environment.id);
      settingsOf.set(environment.id, new Map(configs.map((c) => [c.flagId, c.version])));
    }
  }
  const experimentsOf = new Map<number, Map<string, number>>();
  if (needs('experiment')) {
    for (const environment of environments) {
      const experiments = await write.experimentsOfEnvironment(environment.id);
      experimentsOf.set(environment.id, new Map(experiments.map((e) => [e.key, e.version])));
    }
  }
  const environmentOf = (item: ItemVersion) => environments.find((e) => e.key === item.environment);
  return (item: ItemVersion): number | undefined => {
    switch (item.item) {
      case 'project':
        return item.key === project?.key ? project.version : undefined;
      case 'webhook': {
        const webhook = webhooks.find((w) => w?.id === item.key);
        // Another project's webhook is as good as gone to a command on this one.
        return webhook && (project === null || webhook.projectId === project.id) ? webhook.version : undefined;
      }
      case 'environment':
        return environments.find((e) => e.key === item.key)?.version;
      case 'flag':
        return flags.find((f) => f.name === item.key)?.version;
      case 'segment':
        return segments.find((s) => s.name === item.key)?.version;
      case 'flag_settings': {
        const environment = environmentOf(item);
        const flag = flags.find((f) => f.name === item.key);
        return environment && flag && settingsOf.get(environment.id)?.get(flag.id);
      }
      case 'experiment': {
        const environment = environmentOf(item);
        return environment && experimentsOf.get(environment.id)?.get(item.key);
      }
    }
  };
}

/** Refuses a command prepared against versions that have moved since: it would undo what came between. */
export async function checkPreparedAgainst(
  write: ConfigWrite,
  project: Project | null,
  command: Command,
): Promise<void> {
  if (command.preparedAgainst.length === 0) return;
  const versionOf = await committedVersions(write, project, command.preparedAgainst);
  const moved = command.preparedAgainst
    .map((item) => ({ item, now: versionOf(item) }))
    .filter(({ item, now }) => now !== item.version);
  if (moved.length > 0) {
    throw new ConflictError(
      'The change was prepared against versions that have moved since: ' +
        moved
          .map(({ item, now }) =>
            now === undefined
              ? `${describeItem(item)} is gone`
              : `${describeItem(item)} is at version ${now}, not ${item.version}`,
          )
          .join('; '),
    );
  }
}

/** Conflicts on unique names, worded per command type. */
const conflictMessage = (command: Command): string | undefined => {
  switch (command.type) {
    case 'flag.create':
      return `A flag named "${command.payload.name}" already exists`;
    case 'flag_definition.create':
      return `A flag named "${command.payload.name}" already exists in project "${command.project}"`;
    case 'segment.create':
      return `A segment named "${command.payload.name}" already exists`;
    case 'experiment.create':
      return `An experiment with the key "${command.payload.key}" already exists`;
    case 'schedule.create':
      return `A scheduled change with the id "${command.schedule}" already exists`;
    case 'project.create':
      return `A project with the key "${command.payload.key}" already exists`;
    case 'environment.create':
      return `An environment with the key "${command.payload.key}" already exists in project "${command.project}"`;
    case 'environment.update':
      return `An environment with the key "${command.payload.key}" already exists in project "${command.project}"`;
    default:
      return undefined;
  }
};

/**
 * The one path every configuration change takes, in this order: the command is parsed at the edge
 * (the routes' schemas give the core's types), then authorised, then held or let through, then checked
 * against the committed state and written in one transaction with its audit entry and webhook outbox,
 * and after the commit put into this process's snapshot and streams (ConfigWriter).
 */
export class CommandPipeline<H extends CommandHandlers> {
  constructor(
    private readonly writer: ConfigWriter,
    private readonly snapshot: ConfigSnapshot,
    private readonly handlers: H,
    private readonly hold: Hold = proceed,
    private readonly prechecks: Prechecks = {},
  ) {}

  async run<C extends Command>(command: C, principal: Principal): Promise<ResultOf<H, C['type']>> {
    authorise(principal, command, this.snapshot);
    await this.hold(command, principal);
    const precheck = this.prechecks[command.type] as ((command: C) => Promise<void>) | undefined;
    await precheck?.(command);
    // Each type's handler takes that type's command: the map from type to handler says so.
    const handler = this.handlers[command.type] as unknown as (c: C, context: GlobalCommandContext) => Promise<unknown>;
    const afterCommit: (() => Promise<void>)[] = [];
    const result = await this.writer.write(
      async (write) => {
        afterCommit.length = 0;
        const { project, environment } = await this.addressed(write, command);
        await checkPreparedAgainst(write, project, command);
        const context = {
          write,
          project,
          environment,
          actor: principal,
          afterCommit: (w: () => Promise<void>) => void afterCommit.push(w),
        };
        return handler(command, context);
      },
      { conflict: conflictMessage(command) },
    );
    for (const work of afterCommit) await work();
    return result as ResultOf<H, C['type']>;
  }

  /** The project and environment the command names, as committed. */
  private async addressed(write: ConfigWrite, command: Command) {
    if (command.project === null) return { project: null, environment: undefined };
    const project = await write.project(command.project);
    if (!project) throw new NotFoundError(`Project "${command.project}" not found`);
    const key = environmentOf(command);
    if (key === null) return { project, environment: undefined };
    const environment = (await write.environments(project.id)).find((e) => e.key === key);
    if (!environment) throw new NotFoundError(`Environment "${key}" not found in project "${project.key}"`);
    return { project, environment };
  }
}
