/**
 * Commands: every configuration change as plain data, saying what should change, where, and against
 * which versions of the items it read it was prepared. One pipeline runs them all (areas/commands).
 * Their public JSON form (areas/commands/command-schemas.ts) uses the REST API's names and units; here they hold
 * the core's own (basis points, camelCase). Pure.
 */
import type { ApiKeyScope } from './api-keys.js';
import type { ExperimentSettings, FlagsDocument } from './projects.js';
import type { NewExperiment } from './experiments.js';
import type { FlagConfigChanges, FlagDefinition, FlagSettings, VariantSplit } from './flags.js';
import type { ScheduledSettings } from './schedules.js';
import type { SegmentChanges } from './segments.js';
import type { Condition } from './targeting.js';

/** The items that carry a version (core: `version`). */
export const VERSIONED_ITEMS = [
  'project',
  'environment',
  'flag',
  'flag_settings',
  'segment',
  'experiment',
  'webhook',
] as const;
export type VersionedItem = (typeof VERSIONED_ITEMS)[number];

/**
 * An item of the command's project as the command saw it when it was prepared. `key` names it as the
 * API does (a flag's name, a segment's name, an environment's key; the project's own key for the
 * project, a webhook's id); flag settings and experiments name their environment too.
 */
export interface ItemVersion {
  item: VersionedItem;
  key: string;
  environment: string | null;
  version: number;
}

/** What a flag is, in every environment of its project, as a command sets it. */
export type DefinitionFields = Pick<
  FlagDefinition,
  'description' | 'kind' | 'tags' | 'valueType' | 'variants' | 'offVariant'
> & {
  /**
   * Every environment's weights where the variants' keys change, and a new flag's; null to split the
   * variants equally.
   */
  weights: VariantSplit[] | null;
};

/** The seed's flag: its definition and one environment's settings at once. */
export interface NewFlag {
  name: string;
  definition: DefinitionFields;
  settings: FlagSettings;
}

/** The seed's update: what it sends of the definition (for the project) and of one environment's settings. */
export interface FlagChanges {
  definition: Partial<DefinitionFields>;
  settings: FlagConfigChanges;
}

export interface NewSegmentFields {
  name: string;
  description: string | null;
  conditions: Condition[];
  userIds: string[];
}

/** What a scheduled change sets, and when. */
export interface NewSchedule {
  at: Date;
  changes: ScheduledSettings;
}

interface CommandOf<Type extends string, Payload> {
  type: Type;
  /** The project's key. */
  project: string;
  payload: Payload;
  /** Refused (409) when any of these moved since; empty to apply to whatever is committed. */
  preparedAgainst: ItemVersion[];
}

interface InEnvironment {
  environment: string;
}

interface OnFlag {
  flag: string;
}

interface OnSchedule {
  /** The scheduled change's id. */
  schedule: string;
}

interface OnSegment {
  segment: string;
}

export type CreateFlag = CommandOf<'flag.create', NewFlag> & InEnvironment;
export type UpdateFlag = CommandOf<'flag.update', FlagChanges> & InEnvironment & OnFlag;
/** `rolloutBasisPoints`: what every environment reaches once the flag is turned on there. */
export type CreateFlagDefinition = CommandOf<
  'flag_definition.create',
  DefinitionFields & { name: string; rolloutBasisPoints: number }
>;
export type UpdateFlagDefinition = CommandOf<'flag_definition.update', Partial<DefinitionFields>> & OnFlag;
/** From every environment of the project; `environment` only says which one's settings the audit entry shows. */
export type DeleteFlag = CommandOf<'flag.delete', Record<string, never>> & OnFlag & { environment: string | null };
export type UpdateFlagSettings = CommandOf<'flag_settings.update', FlagConfigChanges> & InEnvironment & OnFlag;
export type CreateSegment = CommandOf<'segment.create', NewSegmentFields>;
export type UpdateSegment = CommandOf<'segment.update', SegmentChanges> & OnSegment;
export type DeleteSegment = CommandOf<'segment.delete', Record<string, never>> & OnSegment;

/** Its id is chosen when the command is made: run twice, it makes the change once (the second is a conflict). */
export type CreateSchedule = CommandOf<'schedule.create', NewSchedule> & InEnvironment & OnFlag & OnSchedule;
export type CancelSchedule = CommandOf<'schedule.cancel', Record<string, never>> & InEnvironment & OnFlag & OnSchedule;
/** The scheduler's: a due change written to its flag. */
export type ApplySchedule = CommandOf<'schedule.apply', Record<string, never>> & InEnvironment & OnFlag & OnSchedule;

interface OnExperiment {
  /** The experiment's key. */
  experiment: string;
}

/** `sequential` null: as the project's experiment settings say. */
export type CreateExperiment = CommandOf<
  'experiment.create',
  Omit<NewExperiment, 'environmentId' | 'sequential'> & { sequential: boolean | null }
> &
  InEnvironment;
export type StartExperiment = CommandOf<'experiment.start', Record<string, never>> & InEnvironment & OnExperiment;
export type StopExperiment = CommandOf<'experiment.stop', Record<string, never>> & InEnvironment & OnExperiment;

/** A command on what may belong to no project (keys, webhooks): `project` null for global ones. */
type GlobalCommandOf<Type extends string, Payload> = Omit<CommandOf<Type, Payload>, 'project'> & {
  project: string | null;
};

/** An API key: its id is chosen when the command is made; its secret when it runs (never stored in a command). */
export type CreateApiKey = GlobalCommandOf<
  'api_key.create',
  { name: string; scope: ApiKeyScope; environment: string | null }
> & { apiKey: string };
/** `project`: the caller's, for a project's admin (who may revoke only its keys); null for a global caller. */
export type RevokeApiKey = GlobalCommandOf<'api_key.revoke', Record<string, never>> & { apiKey: string };

export interface WebhookFields {
  url: string;
  events: string[];
  /** Left out: one is made (and shown once). */
  secret?: string;
  enabled?: boolean;
}
export type CreateWebhook = GlobalCommandOf<'webhook.create', WebhookFields> & { webhook: string };
/** `project`: the caller's, for a project's admin; null for a global caller. */
export type UpdateWebhook = GlobalCommandOf<'webhook.update', Partial<WebhookFields>> & { webhook: string };
export type DeleteWebhook = GlobalCommandOf<'webhook.delete', Record<string, never>> & { webhook: string };

export interface NewProjectFields {
  key: string;
  name: string;
  description: string | null;
  /** In order; development and production when none are given. */
  environments: { key: string; name: string }[] | null;
  experimentSettings: ExperimentSettings;
}

/** Only what is given changes; experiment settings one by one. */
export interface ProjectChanges {
  name?: string;
  description?: string | null;
  experimentSettings?: Partial<ExperimentSettings>;
}

export interface NewEnvironmentFields {
  key: string;
  name: string;
  /** Where it goes in the project's order (0 first); last when null. */
  position: number | null;
  /** Another environment of the project whose every flag's settings it starts with; else every flag is off. */
  copyFrom: string | null;
}

/** `confirm`: the item's key again, needed while it holds flags, which go with it. */
interface Confirmed {
  confirm: string | null;
}

/** A project is global until it exists: its key is in the payload. */
export type CreateProject = GlobalCommandOf<'project.create', NewProjectFields>;
export type UpdateProject = CommandOf<'project.update', ProjectChanges>;
export type DeleteProject = CommandOf<'project.delete', Confirmed>;
export type CreateEnvironment = CommandOf<'environment.create', NewEnvironmentFields>;
export type UpdateEnvironment = CommandOf<'environment.update', { key?: string; name?: string; position?: number }> &
  InEnvironment;
export type DeleteEnvironment = CommandOf<'environment.delete', Confirmed> & InEnvironment;

/** The target (`to`) takes the source's settings of these flags, or of every flag. */
export type PromoteEnvironment = CommandOf<
  'environment.promote',
  { from: string; to: string; flags: string[] | null; dryRun: boolean }
>;
/** One flag's settings, from one environment to another. */
export type PromoteFlag = CommandOf<'flag.promote', { from: string; to: string; dryRun: boolean }> & OnFlag;

/** A flags document into the project: merged, or replacing what it does not hold. */
export type ImportProject = CommandOf<
  'project.import',
  { document: FlagsDocument; mode: 'merge' | 'replace'; dryRun: boolean }
>;

export type Command =
  | CreateFlag
  | UpdateFlag
  | CreateFlagDefinition
  | UpdateFlagDefinition
  | DeleteFlag
  | UpdateFlagSettings
  | CreateSegment
  | UpdateSegment
  | DeleteSegment
  | CreateSchedule
  | CancelSchedule
  | ApplySchedule
  | CreateExperiment
  | StartExperiment
  | StopExperiment
  | CreateApiKey
  | RevokeApiKey
  | CreateWebhook
  | UpdateWebhook
  | DeleteWebhook
  | CreateProject
  | UpdateProject
  | DeleteProject
  | CreateEnvironment
  | UpdateEnvironment
  | DeleteEnvironment
  | PromoteEnvironment
  | PromoteFlag
  | ImportProject;

export type CommandType = Command['type'];
export type CommandOfType<T extends CommandType> = Extract<Command, { type: T }>;

/** Where a command works: the environment, for commands on one environment's settings. */
export const environmentOf = (command: Command): string | null =>
  'environment' in command ? command.environment : null;
