/**
 * A row of flags; variants, rules, overrides and prerequisites are JSON text (see schema.prisma and stored-rows.ts).
 */
export interface FlagRow {
  name: string;
  status: boolean;
  rolloutBasisPoints: number;
  description: string | null;
  variants: string | null;
  rules: string | null;
  overrides: string | null;
  prerequisites: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type FlagRowData = Omit<FlagRow, 'createdAt' | 'updatedAt'>;

/** When a row was written, from the service's clock (tests move it by hand). */
interface Stamped {
  createdAt: Date;
  updatedAt: Date;
}

/** A row of segments; conditions and user ids are JSON text. */
export interface SegmentRow {
  name: string;
  description: string | null;
  conditions: string;
  userIds: string;
  createdAt: Date;
  updatedAt: Date;
}

export type SegmentRowData = Omit<SegmentRow, 'createdAt' | 'updatedAt'>;

/** A where clause for the rows with any of these keys. */
type AnyOf<Key extends string> = { [K in Key]: { in: string[] } };

export interface SegmentTable {
  findMany(args?: { where: AnyOf<'name'> }): Promise<SegmentRow[]>;
  findUnique(args: { where: { name: string } }): Promise<SegmentRow | null>;
  create(args: { data: SegmentRowData & Stamped }): Promise<SegmentRow>;
  update(args: {
    where: { name: string };
    data: Partial<Omit<SegmentRowData, 'name'>> & Pick<Stamped, 'updatedAt'>;
  }): Promise<SegmentRow>;
  delete(args: { where: { name: string } }): Promise<SegmentRow>;
}

/**
 * The parts of a generated client the repositories use. Both generated clients (SQLite and
 * PostgreSQL, from identical models) satisfy them, which the compiler checks in database.ts.
 */
export interface FlagTable {
  findMany(args?: { where: AnyOf<'name'> }): Promise<FlagRow[]>;
  findUnique(args: { where: { name: string } }): Promise<FlagRow | null>;
  create(args: { data: FlagRowData & Stamped }): Promise<FlagRow>;
  update(args: {
    where: { name: string };
    data: Partial<Omit<FlagRowData, 'name'>> & Pick<Stamped, 'updatedAt'>;
  }): Promise<FlagRow>;
  delete(args: { where: { name: string } }): Promise<FlagRow>;
}

/** A row of api_keys; scope is a plain string in the database. */
export interface ApiKeyRow {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ScheduledChangeRow {
  id: string;
  flagName: string;
  at: Date;
  changes: string;
  createdAt: Date;
  appliedAt: Date | null;
}

export interface ScheduledChangeTable {
  findMany(args: {
    where: { flagName?: string; id?: { in: string[] }; appliedAt?: null };
    orderBy: { at: 'asc' };
  }): Promise<ScheduledChangeRow[]>;
  findUnique(args: { where: { id: string } }): Promise<ScheduledChangeRow | null>;
  create(args: { data: Omit<ScheduledChangeRow, 'appliedAt'> }): Promise<ScheduledChangeRow>;
  updateMany(args: { where: { id: string; appliedAt: null }; data: { appliedAt: Date } }): Promise<{ count: number }>;
  delete(args: { where: { id: string } }): Promise<ScheduledChangeRow>;
  deleteMany(args: { where: { flagName: string } }): Promise<{ count: number }>;
}

export interface ApiKeyTable {
  findMany(args: { where?: AnyOf<'id'> | { revokedAt: null }; orderBy: { createdAt: 'asc' } }): Promise<ApiKeyRow[]>;
  findUnique(args: { where: { id: string } }): Promise<ApiKeyRow | null>;
  create(args: { data: Omit<ApiKeyRow, 'revokedAt'> }): Promise<ApiKeyRow>;
  update(args: { where: { id: string }; data: { revokedAt: Date } }): Promise<ApiKeyRow>;
}

/** 64-bit ids and revisions arrive as bigint; the repositories hand numbers on (exact below 2^53). */
export interface AuditRow {
  id: bigint;
  at: Date;
  actorKeyId: string | null;
  actorName: string;
  action: string;
  targetType: string;
  target: string;
  before: string | null;
  after: string | null;
}

export interface AuditTable {
  create(args: { data: Omit<AuditRow, 'id'> }): Promise<AuditRow>;
  findMany(args: {
    where: { targetType?: string; target?: string; id?: { lt: number } };
    orderBy: { id: 'desc' };
    take: number;
  }): Promise<AuditRow[]>;
}

export interface RevisionTable {
  findUnique(args: { where: { id: number } }): Promise<{ revision: bigint } | null>;
  update(args: { where: { id: number }; data: { revision: { increment: number } } }): Promise<{ revision: bigint }>;
}

/** A row of config_changes: the revision at which a row of table_name with this key changed. */
export interface ConfigChangeRow {
  revision: bigint;
  tableName: string;
  key: string;
}

export interface ConfigChangeTable {
  findMany(args: { where: { revision: { gt: number } }; orderBy: { revision: 'asc' } }): Promise<ConfigChangeRow[]>;
}

/** A row of experiments; metrics and start weights are JSON text, status a plain string. */
export interface ExperimentRow {
  id: number;
  key: string;
  flagName: string;
  control: string;
  metrics: string;
  hypothesis: string | null;
  sequential: boolean;
  status: string;
  startWeights: string | null;
  startedAt: Date | null;
  stoppedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExperimentTable {
  findMany(args?: { where: AnyOf<'key'> | { flagName: string } }): Promise<ExperimentRow[]>;
  findUnique(args: { where: { key: string } }): Promise<ExperimentRow | null>;
  create(args: {
    data: Omit<ExperimentRow, 'id' | 'startedAt' | 'stoppedAt' | 'startWeights'>;
  }): Promise<ExperimentRow>;
  update(args: {
    where: { key: string };
    data: Partial<Pick<ExperimentRow, 'status' | 'startWeights' | 'startedAt' | 'stoppedAt'>> &
      Pick<ExperimentRow, 'updatedAt'>;
  }): Promise<ExperimentRow>;
}

/** What one transaction may touch. */
export interface TransactionTables {
  flag: FlagTable;
  segment: SegmentTable;
  scheduledChange: ScheduledChangeTable;
  apiKey: ApiKeyTable;
  experiment: ExperimentTable;
  auditEntry: AuditTable;
  configRevision: RevisionTable;
}

export interface PrismaStore extends TransactionTables {
  configChange: ConfigChangeTable;
  $transaction<T>(work: (tx: TransactionTables) => Promise<T>): Promise<T>;
  /** SQL with the provider's placeholders ($1… on PostgreSQL, ? on SQLite): see raw-sql.ts. */
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}
