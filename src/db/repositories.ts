/** What the services need from storage: the repositories, in the core's model (never Prisma's types). */
import type { NewWebhook, WebhookChanges } from '../core/webhooks.js';
import type { ApiKey, NewApiKey } from '../core/api-keys.js';
import type { Actor, AuditAction, AuditTargetType } from '../core/audit.js';
import type { Experiment, NewExperiment } from '../core/experiments.js';
import type {
  FlagDefinition,
  FlagConfig,
  NewFlagDefinition,
  FlagDefinitionChanges,
  NewFlagConfig,
  FlagConfigChanges,
} from '../core/flags.js';
import type { Project, Environment, NewProject, NewEnvironment } from '../core/projects.js';
import type { ScheduledChange, NewScheduledChange } from '../core/schedules.js';
import type { Segment, NewSegment, SegmentChanges } from '../core/segments.js';
import type { Webhook } from '../core/webhooks.js';
import type { Account, Membership, OneTimePurpose, PersonalToken } from '../core/accounts.js';

/** Everything instances keep in memory, as of one revision. */
export interface ConfigAtRevision {
  revision: number;
  projects: Project[];
  environments: Environment[];
  flags: FlagDefinition[];
  flagConfigs: FlagConfig[];
  apiKeys: ApiKey[];
  segments: Segment[];
  /** Pending ones only. */
  schedules: ScheduledChange[];
  experiments: Experiment[];
}

/** Rows of one kind that changed: those that exist now, and the ids of those that no longer do. */
export interface ChangedRows<T, Id = number> {
  present: T[];
  /** A schedule that was applied counts as gone. */
  gone: Id[];
}

/** Every kind of row instances keep in memory, and which of each changed. */
export interface ConfigDelta {
  projects: ChangedRows<Project>;
  environments: ChangedRows<Environment>;
  flags: ChangedRows<FlagDefinition>;
  flagConfigs: ChangedRows<FlagConfig>;
  segments: ChangedRows<Segment>;
  experiments: ChangedRows<Experiment>;
  apiKeys: ChangedRows<ApiKey, string>;
  /** Pending ones only are present. */
  schedules: ChangedRows<ScheduledChange, string>;
}

/** What changed since an earlier revision, as of this one (or newer, like ConfigAtRevision). */
export interface ConfigChanges extends ConfigDelta {
  revision: number;
}

export interface ConfigReader {
  /** Bumped by the database for every changed configuration row: cheap to poll. */
  revision(): Promise<number>;
  /** Everything, at that revision (or newer: a later poll then reloads again). */
  loadAll(): Promise<ConfigAtRevision>;
  /**
   * Only the rows changed after a revision (none when it is current); undefined when the database
   * cannot tell which (its log of changes no longer reaches back that far, or it went back to an
   * earlier revision): load everything then.
   */
  changesSince(revision: number): Promise<ConfigChanges | undefined>;
}

/** The database revision just before a write and just after it: no other write committed in between. */
export interface RevisionSpan {
  before: number;
  after: number;
}

/** One entry of the audit log; before and after are already in the audit log's own shapes (AuditRecords). */
export interface NewAuditEntry {
  actor: Actor;
  action: AuditAction;
  targetType: AuditTargetType;
  target: string;
  project: string | null;
  environment: string | null;
  before: object | null;
  after: object | null;
}

/**
 * One write of the configuration, inside one transaction: what it reads is committed and stays so
 * until it commits (every write first takes the revision row, so writes on every instance run one
 * after the other), and every row it changes is collected for the snapshot. Services decide; this
 * only reads and writes rows.
 */
export interface ConfigWrite {
  /** The write's time, from the service's clock: every timestamp it stores. */
  readonly at: Date;

  projects(): Promise<Project[]>;
  project(key: string): Promise<Project | undefined>;
  /** In position order. */
  environments(projectId: number): Promise<Environment[]>;
  flags(projectId: number): Promise<FlagDefinition[]>;
  flag(projectId: number, name: string): Promise<FlagDefinition | undefined>;
  configsOfFlag(flagId: number): Promise<FlagConfig[]>;
  configsOfEnvironment(environmentId: number): Promise<FlagConfig[]>;
  segments(projectId: number): Promise<Segment[]>;
  segment(projectId: number, name: string): Promise<Segment | undefined>;
  /** Applied ones too. */
  schedule(id: string): Promise<ScheduledChange | undefined>;
  /** The environment's scheduled changes, applied ones too. */
  schedulesOfEnvironment(environmentId: number): Promise<ScheduledChange[]>;
  /** The flag's scheduled changes in these environments, applied ones too, by time. */
  schedulesOfFlag(environmentIds: readonly number[], flagName: string): Promise<ScheduledChange[]>;
  experiment(environmentId: number, key: string): Promise<Experiment | undefined>;
  experimentsOfFlag(environmentId: number, flagName: string): Promise<Experiment[]>;
  experimentsOfEnvironment(environmentId: number): Promise<Experiment[]>;
  apiKey(id: string): Promise<ApiKey | undefined>;
  activeApiKeys(): Promise<ApiKey[]>;

  createProject(project: NewProject): Promise<Project>;
  updateProject(id: number, changes: Partial<NewProject>): Promise<Project>;
  deleteProject(id: number): Promise<void>;
  createEnvironment(environment: NewEnvironment): Promise<Environment>;
  updateEnvironment(id: number, changes: Partial<Pick<Environment, 'key' | 'name' | 'position'>>): Promise<Environment>;
  deleteEnvironment(id: number): Promise<void>;
  createFlag(flag: NewFlagDefinition): Promise<FlagDefinition>;
  updateFlag(id: number, changes: FlagDefinitionChanges): Promise<FlagDefinition>;
  deleteFlag(id: number): Promise<void>;
  createFlagConfig(config: NewFlagConfig): Promise<FlagConfig>;
  updateFlagConfig(id: number, changes: FlagConfigChanges): Promise<FlagConfig>;
  deleteFlagConfig(id: number): Promise<void>;
  createSegment(segment: NewSegment): Promise<Segment>;
  updateSegment(id: number, changes: SegmentChanges): Promise<Segment>;
  deleteSegment(id: number): Promise<void>;
  createSchedule(change: NewScheduledChange): Promise<ScheduledChange>;
  deleteSchedule(id: string): Promise<void>;
  /** Marks a pending change applied; false when it was not pending (another instance got there first). */
  claimSchedule(id: string): Promise<boolean>;
  createExperiment(experiment: NewExperiment): Promise<Experiment>;
  updateExperiment(
    id: number,
    changes: Partial<Pick<Experiment, 'status' | 'startWeights' | 'startedAt' | 'stoppedAt'>>,
  ): Promise<Experiment>;
  deleteExperiment(id: number): Promise<void>;
  createApiKey(key: NewApiKey): Promise<ApiKey>;
  revokeApiKey(id: string): Promise<ApiKey>;
  webhook(id: string): Promise<Webhook | undefined>;
  createWebhook(webhook: NewWebhook): Promise<Webhook>;
  updateWebhook(id: string, changes: WebhookChanges): Promise<Webhook>;
  /** With its deliveries. */
  deleteWebhook(id: string): Promise<void>;
  audit(entry: NewAuditEntry): Promise<void>;
  /** Accounts, their roles and one-time links, written in the same transaction as the audit entry. */
  readonly accounts: AccountWrite;
}

export type NewAccount = Pick<Account, 'id' | 'kind' | 'email' | 'name' | 'owner'> & {
  emailKey: string | null;
  passwordHash: string | null;
};

export type AccountChanges = Partial<
  Pick<Account, 'name' | 'owner' | 'status' | 'deactivatedAt'> & { passwordHash: string }
>;

export interface AccountWrite {
  account(id: string): Promise<Account | undefined>;
  activeOwners(): Promise<Account[]>;
  createAccount(account: NewAccount): Promise<Account>;
  updateAccount(id: string, changes: AccountChanges): Promise<Account>;
  memberships(accountId: string): Promise<Membership[]>;
  setMembership(membership: Membership): Promise<Membership>;
  deleteMembership(accountId: string, projectId: number): Promise<void>;
  /** A one-time link's hash for an account, replacing its unused ones of that purpose. */
  issueToken(tokenHash: string, purpose: OneTimePurpose, accountId: string, expiresAt: Date): Promise<void>;
  /** Marks the token used and says whose it is; undefined when it is unknown, used, expired or of another purpose. */
  consumeToken(tokenHash: string, purpose: OneTimePurpose): Promise<{ accountId: string | null } | undefined>;
  endSessions(accountId: string): Promise<void>;
  createToken(token: PersonalToken & { tokenHash: string }): Promise<PersonalToken>;
  token(id: string): Promise<PersonalToken | undefined>;
  revokeToken(id: string): Promise<PersonalToken>;
}

export interface ConfigWriteResult<T> {
  result: T;
  /** Every row the write changed, as committed. */
  changes: ConfigDelta;
  revisions: RevisionSpan;
}

export interface ConfigStore {
  /**
   * Runs `work` in one transaction and commits what it wrote, or nothing when it throws. Conflicts
   * on unique keys are thrown as ConflictError with the message `conflict` gives.
   */
  write<T>(work: (write: ConfigWrite) => Promise<T>, messages?: { conflict?: string }): Promise<ConfigWriteResult<T>>;
}
