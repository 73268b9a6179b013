/**
 * Exposures and tracked events, and the aggregates experiment results are computed from: plain SQL
 * that runs the same on SQLite and PostgreSQL (times are integer milliseconds, booleans TRUE/FALSE
 * literals), through Prisma's raw queries so it shares the client's connections. The database does
 * the counting and summing; Node only ever sees one row per variant (or per variant and day).
 */
import type { DatabaseProvider } from '../../config.js';
import { MAX_EVENT_VALUE, MIN_EVENT_VALUE_MAGNITUDE } from '../../core/experiments.js';
import { translatePrismaError } from '../../db/prisma-errors.js';
import type { PrismaStore } from '../../db/prisma-tables.js';
import { SqlParameters, num } from '../../db/sql-parameters.js';
import Database from 'better-sqlite3';

const DAY_MS = 86_400_000;

/**
 * An event's value as results count it: within the range POST /events accepts. Values are refused
 * outside it, so this only matters for rows stored before that check, which would otherwise overflow
 * the sums (PostgreSQL refuses to, SQLite reaches infinity) and make every later result fail.
 */
const COUNTED_VALUE =
  `CASE WHEN e.value > ${MAX_EVENT_VALUE} THEN ${MAX_EVENT_VALUE} ` +
  `WHEN e.value < -${MAX_EVENT_VALUE} THEN -${MAX_EVENT_VALUE} ` +
  `WHEN ABS(e.value) < ${MIN_EVENT_VALUE_MAGNITUDE} THEN 0 ELSE e.value END`;

// The first exposure stays; a later one in another variant only marks the user as seen in several.
const KEEP_FIRST_EXPOSURE =
  'ON CONFLICT (experiment_id, user_id) DO UPDATE SET multiple = TRUE ' +
  'WHERE NOT exposures.multiple AND (exposures.variant <> excluded.variant OR excluded.multiple)';

/**
 * A batch of exposures as one JSON parameter, unpacked by the database: [[experiment_id, user_id,
 * variant, at_ms, multiple], …]. ("WHERE true" keeps SQLite from reading ON CONFLICT as a join's.)
 */
const INSERT_EXPOSURES: Record<DatabaseProvider, string> = {
  sqlite:
    'INSERT INTO exposures (experiment_id, user_id, variant, at_ms, multiple) SELECT value ->> 0, value ->> 1, ' +
    `value ->> 2, value ->> 3, value ->> 4 FROM json_each(?) WHERE true ${KEEP_FIRST_EXPOSURE}`,
  postgresql:
    'INSERT INTO exposures (experiment_id, user_id, variant, at_ms, multiple) SELECT (e ->> 0)::integer, e ->> 1, ' +
    `e ->> 2, (e ->> 3)::bigint, (e ->> 4)::boolean FROM jsonb_array_elements($1::jsonb) e ${KEEP_FIRST_EXPOSURE}`,
};

/**
 * How long the exposure writer's own connection waits for a write lock another connection holds: its
 * wait blocks the event loop (better-sqlite3 waits synchronously). A longer write, such as an import,
 * makes the batch fail; the buffer keeps it for its next flush, a second later.
 */
const BUSY_WAIT_MS = 20;

export class SqlExperimentData implements ExperimentData {
  /**
   * SQLite writes exposures through its own better-sqlite3 connection rather than Prisma: evaluation
   * records one per new user, and Prisma's raw query took 6.5 µs per exposure where the same
   * statement on better-sqlite3 takes 1.5 µs, about an eighth of a single-flag evaluation
   * (docs/performance.md, "a flag with a running experiment"). WAL lets it write beside Prisma's.
   */
  private readonly sqliteWriter: Database.Database | undefined;
  private readonly insertSqliteExposures: Database.Statement<[string]> | undefined;

  /**
   * `assertWritable` throws when the SQLite file was replaced or removed under the process (see
   * sqlite-file-guard.ts), so writes wait (exposures stay buffered) instead of landing in a lost file.
   */
  constructor(
    private readonly store: PrismaStore,
    private readonly provider: DatabaseProvider,
    private readonly assertWritable: () => void,
    sqliteFile?: string,
  ) {
    if (sqliteFile !== undefined) {
      this.sqliteWriter = new Database(sqliteFile, { timeout: BUSY_WAIT_MS });
      this.insertSqliteExposures = this.sqliteWriter.prepare(INSERT_EXPOSURES.sqlite);
    }
  }

  close(): void {
    this.sqliteWriter?.close();
  }

  private params() {
    return new SqlParameters(this.provider);
  }

  private async query<T>(sql: string, params: SqlParameters): Promise<T[]> {
    return this.store.$queryRawUnsafe<T[]>(sql, ...params.values).catch((e) => translatePrismaError(e));
  }

  private async execute(sql: string, params: SqlParameters): Promise<number> {
    return this.store.$executeRawUnsafe(sql, ...params.values).catch((e) => translatePrismaError(e));
  }

  async recordExposures(exposures: readonly ExposureRecord[]): Promise<void> {
    if (exposures.length === 0) return;
    this.assertWritable();
    const batch = JSON.stringify(
      exposures.map((e) => [
        e.experimentId,
        e.userId,
        e.variant,
        e.atMs,
        this.provider === 'sqlite' ? +e.multiple : e.multiple,
      ]),
    );
    if (this.insertSqliteExposures) {
      this.insertSqliteExposures.run(batch);
      return;
    }
    const p = this.params();
    p.add(batch);
    await this.execute(INSERT_EXPOSURES.postgresql, p);
  }

  async storeEvents(events: readonly TrackedEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    this.assertWritable();
    const p = this.params();
    const rows = events.map(
      (e) =>
        `(${p.add(e.environmentId)}, ${p.add(e.eventId)}, ${p.add(e.event)}, ${p.add(e.userId)}, ` +
        `${p.add(e.value)}, ${p.add(e.atMs)})`,
    );
    // A retried batch: events whose event_id is stored already are skipped, and not counted.
    return this.execute(
      `INSERT INTO events (environment_id, event_id, event, user_id, value, at_ms) VALUES ${rows.join(', ')} ` +
        'ON CONFLICT (environment_id, event_id) DO NOTHING',
      p,
    );
  }

  async deleteEventsBefore(atMs: number): Promise<number> {
    const p = this.params();
    return this.execute(`DELETE FROM events WHERE at_ms < ${p.add(atMs)}`, p);
  }

  async exposures(experimentId: number): Promise<VariantExposures[]> {
    const p = this.params();
    const rows = await this.query<{ variant: string; users: unknown; multiple: unknown }>(
      'SELECT variant, COUNT(*) AS users, SUM(CASE WHEN multiple THEN 1 ELSE 0 END) AS multiple ' +
        `FROM exposures WHERE experiment_id = ${p.add(experimentId)} GROUP BY variant`,
      p,
    );
    return rows.map((r) => ({ variant: r.variant, users: num(r.users), multiple: num(r.multiple) }));
  }

  /**
   * The metric's events joined to the exposures they follow, one row per user who has any: an inner
   * join, so users without events (most of them, usually) cost nothing here; their zeros are implied
   * by the exposure counts. Half the time of a left join over every exposure at 1,000,000 exposures.
   */
  private perConvertedUser(p: SqlParameters, query: MetricQuery): string {
    return (
      `SELECT x.variant, COALESCE(SUM(${COUNTED_VALUE}), 0) AS total, MIN(e.at_ms) AS first_at ` +
      `${this.metricEvents(p, query)} GROUP BY x.experiment_id, x.user_id, x.variant`
    );
  }

  /** The experiment's exposures joined to the metric's events that count for them. */
  private metricEvents(
    p: SqlParameters,
    { experimentId, environmentId, event, windowMs, untilMs }: MetricQuery,
  ): string {
    const conditions = [
      `e.environment_id = ${p.add(environmentId)}`,
      `e.event = ${p.add(event)}`,
      'e.user_id = x.user_id',
      'e.at_ms >= x.at_ms',
    ];
    if (windowMs !== null) conditions.push(`e.at_ms < x.at_ms + ${p.add(windowMs)}`);
    if (untilMs !== null) conditions.push(`e.at_ms <= ${p.add(untilMs)}`);
    return (
      `FROM exposures x JOIN events e ON ${conditions.join(' AND ')} ` +
      `WHERE x.experiment_id = ${p.add(experimentId)}`
    );
  }

  async metricTotals(query: MetricQuery): Promise<MetricTotals[]> {
    const p = this.params();
    const rows = await this.query<{ variant: string; conversions: unknown; total: unknown; total_squares: unknown }>(
      'SELECT u.variant, COUNT(*) AS conversions, SUM(u.total) AS total, SUM(u.total * u.total) AS total_squares ' +
        `FROM (${this.perConvertedUser(p, query)}) u GROUP BY u.variant`,
      p,
    );
    return rows.map((r) => ({
      variant: r.variant,
      conversions: num(r.conversions),
      sum: num(r.total),
      sumSquares: num(r.total_squares),
    }));
  }

  async dailyTotals(query: MetricQuery): Promise<DailyMetricTotals[]> {
    // Users by the day they were exposed; converted users by the day of their first event; values by
    // the day of each event.
    const exposedParams = this.params();
    const exposed = await this.query<{ variant: string; day: unknown; users: unknown }>(
      `SELECT variant, at_ms / ${DAY_MS} AS day, COUNT(*) AS users FROM exposures ` +
        `WHERE experiment_id = ${exposedParams.add(query.experimentId)} GROUP BY variant, at_ms / ${DAY_MS}`,
      exposedParams,
    );
    const convertedParams = this.params();
    const converted = await this.query<{ variant: string; day: unknown; users: unknown }>(
      `SELECT u.variant, u.first_at / ${DAY_MS} AS day, COUNT(*) AS users ` +
        `FROM (${this.perConvertedUser(convertedParams, query)}) u GROUP BY u.variant, u.first_at / ${DAY_MS}`,
      convertedParams,
    );
    const valueParams = this.params();
    const values = await this.query<{ variant: string; day: unknown; total: unknown }>(
      `SELECT x.variant, e.at_ms / ${DAY_MS} AS day, SUM(${COUNTED_VALUE}) AS total ` +
        `${this.metricEvents(valueParams, query)} GROUP BY x.variant, e.at_ms / ${DAY_MS}`,
      valueParams,
    );
    const byKey = new Map<string, DailyMetricTotals>();
    const at = (variant: string, day: unknown) => {
      const key = `${variant}\u0000${num(day)}`;
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { variant, day: num(day), exposed: 0, converted: 0, sum: 0 }));
      return entry;
    };
    for (const row of exposed) at(row.variant, row.day).exposed += num(row.users);
    for (const row of converted) at(row.variant, row.day).converted += num(row.users);
    for (const row of values) at(row.variant, row.day).sum += num(row.total);
    return [...byKey.values()].sort((a, b) => a.day - b.day || (a.variant < b.variant ? -1 : 1));
  }

  async exposurePage(experimentId: number, afterUserId: string | null, limit: number): Promise<ExportedExposure[]> {
    const p = this.params();
    const conditions = [`experiment_id = ${p.add(experimentId)}`];
    if (afterUserId !== null) conditions.push(`user_id > ${p.add(afterUserId)}`);
    const rows = await this.query<{ user_id: string; variant: string; at_ms: unknown; multiple: unknown }>(
      `SELECT user_id, variant, at_ms, multiple FROM exposures WHERE ${conditions.join(' AND ')} ` +
        `ORDER BY user_id LIMIT ${p.add(limit)}`,
      p,
    );
    return rows.map((r) => ({
      userId: r.user_id,
      variant: r.variant,
      atMs: num(r.at_ms),
      multiple: Boolean(r.multiple),
    }));
  }

  async eventPage(filter: EventFilter, afterId: number | null, limit: number): Promise<ExportedEvent[]> {
    const p = this.params();
    const conditions = [`environment_id = ${p.add(filter.environmentId)}`];
    if (afterId !== null) conditions.push(`id > ${p.add(afterId)}`);
    if (filter.fromMs !== null) conditions.push(`at_ms >= ${p.add(filter.fromMs)}`);
    if (filter.toMs !== null) conditions.push(`at_ms < ${p.add(filter.toMs)}`);
    if (filter.event !== null) conditions.push(`event = ${p.add(filter.event)}`);
    const rows = await this.query<{
      id: unknown;
      environment_id: unknown;
      event_id: string | null;
      event: string;
      user_id: string;
      value: unknown;
      at_ms: unknown;
    }>(
      'SELECT id, environment_id, event_id, event, user_id, value, at_ms FROM events ' +
        `WHERE ${conditions.join(' AND ')} ` +
        `ORDER BY id LIMIT ${p.add(limit)}`,
      p,
    );
    return rows.map((r) => ({
      id: num(r.id),
      environmentId: num(r.environment_id),
      eventId: r.event_id,
      event: r.event,
      userId: r.user_id,
      value: r.value === null ? null : num(r.value),
      atMs: num(r.at_ms),
    }));
  }

  async deleteData(environmentIds: readonly number[], experimentIds: readonly number[]): Promise<void> {
    if (experimentIds.length > 0) {
      const p = this.params();
      await this.execute(`DELETE FROM exposures WHERE experiment_id IN (${experimentIds.map((id) => p.add(id))})`, p);
    }
    if (environmentIds.length > 0) {
      const p = this.params();
      await this.execute(`DELETE FROM events WHERE environment_id IN (${environmentIds.map((id) => p.add(id))})`, p);
    }
  }
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
