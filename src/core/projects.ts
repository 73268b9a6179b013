/** Projects and their environments, promotion between environments, and flags as code's document. Pure types. */
import type { Experiment } from './experiments.js';
import type {
  FlagConfig,
  FlagDefinition,
  FlagKind,
  FlagSettings,
  FlagValueType,
  StaleReason,
  VariantDefinition,
} from './flags.js';
import type { ScheduledChange } from './schedules.js';
import type { Segment } from './segments.js';

/** How a project's experiments are run and read. */
export interface ExperimentSettings {
  /** New experiments test sequentially unless they say otherwise: results stay valid however often they are read. */
  sequential: boolean;
  /** An experiment's verdict stays "too early" until it has run this many days... */
  minDays: number;
  /** ...and every variant the flag weights has this many exposed users. */
  minUsersPerVariant: number;
}

export const DEFAULT_EXPERIMENT_SETTINGS: ExperimentSettings = {
  sequential: true,
  minDays: 7,
  minUsersPerVariant: 100,
};

/** A team's flags, segments and environments. */
export interface Project {
  id: number;
  key: string;
  name: string;
  description: string | null;
  experimentSettings: ExperimentSettings;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

/** A stage of a project (development, staging, production); `position` orders them. */
export interface Environment {
  id: number;
  projectId: number;
  key: string;
  name: string;
  position: number;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type NewProject = Pick<Project, 'key' | 'name' | 'description' | 'experimentSettings'>;

export type NewEnvironment = Pick<Environment, 'projectId' | 'key' | 'name' | 'position'>;

/** One field of a flag's settings that differs between two environments. */
export interface FieldChange {
  /**
   * "status", "rollout_percentage", "variants.<key>.weight", "rules[<i>]", "overrides.<user>" or
   * "prerequisites.<flag>".
   */
  field: string;
  change: 'added' | 'removed' | 'changed';
  /** In the target environment now; null when added. */
  before: unknown;
  /** In the target once promoted (the source's); null when removed. */
  after: unknown;
}

export interface FlagDiff {
  flagName: string;
  changes: FieldChange[];
}

export interface Promotion {
  from: string;
  to: string;
  flags: FlagDiff[];
  applied: boolean;
}

/** A project's configuration as one document: what GET …/export answers and POST …/import takes. */
export interface FlagsDocument {
  project: { key: string; name: string; description: string | null };
  /** In the project's order. */
  environments: { key: string; name: string }[];
  /** By name. */
  segments: Pick<Segment, 'name' | 'description' | 'conditions' | 'userIds'>[];
  /** By name. */
  flags: DocumentFlag[];
}

/**
 * One environment's whole configuration: what GET /config answers and the in-process provider
 * evaluates from. Flags are as stored; pending scheduled changes come beside them, and whoever
 * evaluates applies those that are due (core/schedules).
 */
export interface EnvironmentConfig {
  /** The environment's version: the revision of the last change to its configuration. */
  revision: number;
  environment: string;
  /** The project's definitions and segments, with this environment's settings only. */
  document: FlagsDocument;
  /** Pending, in time order. */
  schedules: Pick<ScheduledChange, 'id' | 'flagName' | 'at' | 'changes'>[];
  /** The running experiments, whose exposures the evaluator records. */
  experiments: Pick<Experiment, 'key' | 'flagName'>[];
}

export interface DocumentFlag {
  name: string;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  valueType: FlagValueType;
  variants: VariantDefinition[];
  offVariant: string | null;
  /** Settings per environment key, in the project's order. */
  environments: Map<string, FlagSettings>;
}

export interface ImportChange {
  type: 'environment' | 'segment' | 'flag';
  name: string;
  change: 'added' | 'removed' | 'changed';
  /** For flags: what changes, the definition's fields and then each environment's ("<environment>.status"). */
  fields: FieldChange[];
}

export interface ImportResult {
  mode: 'merge' | 'replace';
  changes: ImportChange[];
  applied: boolean;
}

/** A definition with what the project's environments make of it. */
export interface DefinitionInUse {
  definition: FlagDefinition;
  /** Per environment, in the project's order. */
  environments: { environment: Environment; config: FlagConfig | undefined; lastEvaluatedAt: number | null }[];
  stale: StaleReason;
}
