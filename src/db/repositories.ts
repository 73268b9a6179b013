/** What the services need from storage: the repositories, in the core's model (never Prisma's types). */
import type {
  Actor,
  ApiKey,
  AuditEntry,
  AuditTargetType,
  Experiment,
  Flag,
  FlagChanges,
  NewApiKey,
  NewExperiment,
  NewFlag,
  NewScheduledChange,
  NewSegment,
  ScheduledChange,
  Segment,
  SegmentChanges,
} from '../core/model.js';

export interface AuditQuery {
  targetType?: AuditTargetType;
  target?: string;
  /** Entries with an id below this one: the cursor of the page before. */
  beforeId?: number;
  limit: number;
}

/** Everything instances keep in memory, as of one revision. */
export interface ConfigAtRevision {
  revision: number;
  flags: Flag[];
  apiKeys: ApiKey[];
  segments: Segment[];
  /** Pending ones only. */
  schedules: ScheduledChange[];
  experiments: Experiment[];
}

/** Rows of one kind that changed: those that exist now, and the keys of those that no longer do. */
export interface ChangedRows<T> {
  present: T[];
  /** Names of flags and segments, ids of keys and schedules; a schedule that was applied counts as gone. */
  gone: string[];
}

/** What changed since an earlier revision, as of this one (or newer, like ConfigAtRevision). */
export interface ConfigChanges {
  revision: number;
  flags: ChangedRows<Flag>;
  apiKeys: ChangedRows<ApiKey>;
  segments: ChangedRows<Segment>;
  /** Pending ones only are present. */
  schedules: ChangedRows<ScheduledChange>;
  experiments: ChangedRows<Experiment>;
}

export interface ConfigReader {
  /** Bumped by the database for every changed row of flags, segments, schedules or API keys: cheap to poll. */
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

/** The flags and the segments' names as committed, read by a write once no other write can commit. */
export interface CommittedConfig {
  readonly flags: ReadonlyMap<string, Flag>;
  readonly segmentNames: ReadonlySet<string>;
}

/**
 * What a flag write checks against the other flags and segments (prerequisites, rules' segments):
 * run inside the write, before it changes anything, on what is committed rather than on a snapshot
 * that may not hold a write made a moment ago; it throws to refuse the write.
 */
export type FlagWriteCheck = (committed: CommittedConfig) => void;

/** The database revision just before a write and just after it: no other write committed in between. */
export interface RevisionSpan {
  before: number;
  after: number;
}

/**
 * What the audit log stores of a row before and after a change: a shape the service layer owns
 * (services/audit-records.ts), so storage never borrows the API's response shapes for history.
 */
export interface AuditRecords {
  flag(flag: Flag): object;
  segment(segment: Segment): object;
  schedule(change: ScheduledChange): object;
  apiKey(key: ApiKey): object;
  experiment(experiment: Experiment): object;
}

/**
 * Every write records an audit entry in the same transaction. Without a check, a flag write reads
 * nothing of the other flags and segments.
 */
export interface FlagRepository {
  /** Throws ConflictError when the name is taken. */
  create(flag: NewFlag, actor: Actor, check?: FlagWriteCheck): Promise<{ flag: Flag; revisions: RevisionSpan }>;
  /** Throws NotFoundError when no flag has that name. */
  update(
    name: string,
    changes: FlagChanges,
    actor: Actor,
    check?: FlagWriteCheck,
  ): Promise<{ flag: Flag; revisions: RevisionSpan }>;
  /** Throws NotFoundError when no flag has that name. */
  delete(name: string, actor: Actor, check?: FlagWriteCheck): Promise<RevisionSpan>;
}

export interface SegmentRepository {
  /** Throws ConflictError when the name is taken. */
  create(segment: NewSegment, actor: Actor): Promise<Segment>;
  /** Throws NotFoundError when no segment has that name. */
  update(name: string, changes: SegmentChanges, actor: Actor): Promise<Segment>;
  /** Throws NotFoundError when no segment has that name; the check runs inside the write, before the delete. */
  delete(name: string, actor: Actor, check: FlagWriteCheck): Promise<void>;
}

export interface ScheduleRepository {
  /** Every schedule of the flag, applied ones too, by time. */
  list(flagName: string): Promise<ScheduledChange[]>;
  create(change: NewScheduledChange, actor: Actor): Promise<ScheduledChange>;
  /** Throws NotFoundError for an unknown id, ConflictError for one already applied. */
  cancel(flagName: string, id: string, actor: Actor): Promise<void>;
  /**
   * Writes a due change to its flag, once across all instances: the one that marks it applied first
   * does it. Returns the updated flag, or undefined when another instance already had.
   */
  apply(id: string, actor: Actor): Promise<Flag | undefined>;
}

export interface ApiKeyRepository {
  list(): Promise<ApiKey[]>;
  create(key: NewApiKey, actor: Actor): Promise<ApiKey>;
  /**
   * Throws NotFoundError unless an active key has that id. `check` sees the key and every active key
   * inside the write's transaction, after any revocation that committed first, and throws to refuse.
   */
  revoke(id: string, actor: Actor, check?: (key: ApiKey, active: ApiKey[]) => void): Promise<ApiKey>;
}

export interface AuditLog {
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface ExperimentRepository {
  list(): Promise<Experiment[]>;
  /** Throws ConflictError when the key is taken. */
  create(experiment: NewExperiment, actor: Actor): Promise<{ experiment: Experiment; revisions: RevisionSpan }>;
  /**
   * Starts a draft, recording the flag's variant weights; `check` runs inside the write and throws to
   * refuse. Throws NotFoundError for an unknown key.
   */
  start(
    key: string,
    actor: Actor,
    check: (experiment: Experiment, flag: Flag | undefined, others: Experiment[]) => void,
  ): Promise<{ experiment: Experiment; revisions: RevisionSpan }>;
  /** Stops a running experiment; `check` sees it as committed and throws to refuse. */
  stop(
    key: string,
    actor: Actor,
    check: (experiment: Experiment) => void,
  ): Promise<{ experiment: Experiment; revisions: RevisionSpan }>;
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
  eventPage(
    filter: { fromMs: number | null; toMs: number | null; event: string | null },
    afterId: number | null,
    limit: number,
  ): Promise<ExportedEvent[]>;
}
