/** What the services need from storage: the repositories, in the core's model (never Prisma's types). */
import type { Actor, AuditEntry, AuditAction, AuditTargetType } from '../core/audit.js';
import type { ApiKey, NewApiKey } from '../core/api-keys.js';
import type { Environment, NewEnvironment, NewProject, Project } from '../core/projects.js';
import type { Experiment, NewExperiment } from '../core/experiments.js';
import type {
  FlagConfig,
  FlagConfigChanges,
  FlagDefinition,
  FlagDefinitionChanges,
  NewFlagConfig,
  NewFlagDefinition,
} from '../core/flags.js';
import type { NewScheduledChange, ScheduledChange } from '../core/schedules.js';
import type { NewSegment, Segment, SegmentChanges } from '../core/segments.js';
import type { Webhook, WebhookDelivery } from '../core/webhooks.js';

export interface AuditQuery {
  targetType?: AuditTargetType;
  target?: string;
  /** Only entries about this project (its key). */
  project?: string;
  /** Only changes made by the key of this name ("ADMIN_API_KEY", "anonymous"). */
  actor?: string;
  /** Only changes at or after `since` and before `until`. */
  since?: Date;
  until?: Date;
  /** Entries with an id below this one: the cursor of the page before. */
  beforeId?: number;
  limit: number;
}

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

export interface AuditLog {
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface ScheduleReader {
  /** The flag's scheduled changes in the environment, applied ones too, by time. */
  list(environmentId: number, flagName: string): Promise<ScheduledChange[]>;
}

export interface ApiKeyReader {
  list(): Promise<ApiKey[]>;
}

/** When each flag was last evaluated in each environment (kept apart from the configuration). */
export interface EvaluationTimes {
  /** Sets the time for these flags in these environments, where it is later than the stored one. */
  record(flags: readonly { flagId: number; environmentId: number }[], at: Date): Promise<void>;
  /** Every flag's last evaluation in each environment of the project. */
  ofProject(projectId: number): Promise<{ flagId: number; environmentId: number; lastEvaluatedAt: Date }[]>;
}

/** A user's exposure to an experiment, as the evaluation buffer collected it. */
export interface ExposureRecord {
  experimentId: number;
  userId: string;
  variant: string;
  atMs: number;
  /** Seen in more than one variant while buffered. */
  multiple: boolean;
}

export interface TrackedEvent {
  environmentId: number;
  /** The client's id, so a retried batch is stored once; null when it sent none. */
  eventId: string | null;
  event: string;
  userId: string;
  value: number | null;
  atMs: number;
}

export interface VariantExposures {
  variant: string;
  users: number;
  /** Of those, seen in another variant too. */
  multiple: number;
}

export interface MetricQuery {
  experimentId: number;
  /** The experiment's environment: only its events count. */
  environmentId: number;
  event: string;
  /** Events count this long after the exposure; null for no limit. */
  windowMs: number | null;
  /** Events after this time do not count (the experiment stopped); null while it runs. */
  untilMs: number | null;
}

/**
 * One variant's metric, aggregated per user first (a user's events summed), over the users with at
 * least one event: exposed users without any add 0 to the sums.
 */
export interface MetricTotals {
  variant: string;
  /** Users with at least one event. */
  conversions: number;
  /** Sum over users of their summed values, and of those sums squared. */
  sum: number;
  sumSquares: number;
}

/** What happened on one day (days since the epoch, UTC) in one variant. */
export interface DailyMetricTotals {
  variant: string;
  day: number;
  exposed: number;
  /** Users whose first event fell on that day. */
  converted: number;
  /** Values of the events on that day. */
  sum: number;
}

export interface ExportedExposure {
  userId: string;
  variant: string;
  atMs: number;
  multiple: boolean;
}

export interface EventFilter {
  environmentId: number;
  fromMs: number | null;
  toMs: number | null;
  event: string | null;
}

export interface ExportedEvent extends TrackedEvent {
  id: number;
}

/** Exposures and events: written in batches outside the configuration's write lock, read as aggregates. */
export interface ExperimentData {
  recordExposures(exposures: readonly ExposureRecord[]): Promise<void>;
  /** Returns how many were stored; the others repeated a stored event_id. */
  storeEvents(events: readonly TrackedEvent[]): Promise<number>;
  deleteEventsBefore(atMs: number): Promise<number>;
  exposures(experimentId: number): Promise<VariantExposures[]>;
  metricTotals(query: MetricQuery): Promise<MetricTotals[]>;
  dailyTotals(query: MetricQuery): Promise<DailyMetricTotals[]>;
  /** Keyset pages, for exports in constant memory. */
  exposurePage(experimentId: number, afterUserId: string | null, limit: number): Promise<ExportedExposure[]>;
  eventPage(filter: EventFilter, afterId: number | null, limit: number): Promise<ExportedEvent[]>;
  /** What deleted environments and experiments leave behind: their exposures and events. */
  deleteData(environmentIds: readonly number[], experimentIds: readonly number[]): Promise<void>;
}

/** A delivery an instance has claimed to send now, with its webhook (undefined when that was deleted). */
export interface ClaimedDelivery {
  id: string;
  event: string;
  payload: string;
  attempts: number;
  deadlineAt: number;
  webhook: Webhook | undefined;
}

/** How an attempt went. */
export interface DeliveryOutcome {
  status: 'pending' | 'delivered' | 'failed';
  at: number;
  /** When to try again, while pending. */
  nextAttemptAt: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number | null;
  /** At most 1,024 characters of the receiver's answer. */
  response: string | null;
}

export type NewWebhook = Omit<Webhook, 'createdAt' | 'updatedAt' | 'version'>;
export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'events' | 'secret' | 'enabled'>>;

/** Where a page of deliveries ended: creation times repeat (one change can touch many flags), ids break ties. */
export interface DeliveryCursor {
  createdAt: number;
  id: string;
}

/**
 * Webhooks and their outbox (the deliveries each change wrote in its own transaction). Webhooks
 * themselves change through ConfigWrite, audited like every change.
 */
export interface WebhookStore {
  /** A project's (`projectId`), the global ones (null), or all (undefined). */
  list(projectId: number | null | undefined): Promise<Webhook[]>;
  get(id: string): Promise<Webhook | undefined>;
  /** Newest first, after the cursor (the last delivery of the previous page). */
  deliveries(webhookId: string, after: DeliveryCursor | undefined, limit: number): Promise<WebhookDelivery[]>;
  delivery(webhookId: string, id: string): Promise<WebhookDelivery | undefined>;
  enqueue(
    delivery: Pick<WebhookDelivery, 'id' | 'webhookId' | 'event' | 'payload'>,
    nowMs: number,
    deadlineMs: number,
  ): Promise<WebhookDelivery>;
  /** Pending again at once, with a new deadline. */
  retry(id: string, nowMs: number, deadlineMs: number): Promise<WebhookDelivery>;
  /** Up to `limit` due deliveries, leased to this caller for `leaseMs`. */
  claim(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  settle(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** Deliveries not yet delivered nor given up. */
  pendingCount(): Promise<number>;
  /** Deletes delivered and failed deliveries created before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}
