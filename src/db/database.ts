import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseProvider } from '../config.js';
import type {
  ApiKeyRepository,
  AuditLog,
  AuditRecords,
  ConfigReader,
  ExperimentData,
  ExperimentRepository,
  FlagRepository,
  ScheduleRepository,
  SegmentRepository,
} from './repositories.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { migrate, type MigrationReport } from './migrate.js';
import {
  PrismaApiKeyRepository,
  PrismaAuditLog,
  PrismaConfigReader,
  PrismaExperimentRepository,
  PrismaFlagRepository,
  PrismaScheduleRepository,
  PrismaSegmentRepository,
  type WriteContext,
} from './prisma-repositories.js';
import type { PrismaStore } from './prisma-tables.js';
import { type ChangeFeed, PostgresChangeFeed, silentChangeFeed } from './change-feed.js';
import { sqliteFileGuard } from './sqlite-file-guard.js';
import { sqliteFilePath } from './sqlite-url.js';
import { WriteQueue } from './write-queue.js';
import { SqlExperimentData } from './experiment-data.js';

const MAX_QUEUED_WRITES = 10_000;

export interface Database {
  readonly config: ConfigReader;
  readonly flags: FlagRepository;
  readonly segments: SegmentRepository;
  readonly schedules: ScheduleRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditLog;
  readonly experiments: ExperimentRepository;
  readonly experimentData: ExperimentData;
  readonly migrations: MigrationReport;
  /** Tells when another process changed flags or keys; PostgreSQL only (LISTEN/NOTIFY). */
  readonly changes: ChangeFeed;
  /** One real round trip; rejects when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The pool Prisma's PostgreSQL adapter queries through. A connection the server closes (a failover,
 * an administrator) can report it in the same network read that completes the connection, before
 * the adapter has listened for errors on it; with no listener, node-postgres' 'error' event would
 * end the process. Every connection gets a listener for its whole life: the query that next uses
 * it fails, and is answered 503.
 */
function postgresPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('connect', (connection) => connection.on('error', () => undefined));
  return pool;
}

/** The database could not be opened or migrated at start; `cause` says why. */
export class DatabaseStartError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message.trim().split('\n').at(-1) : String(cause), { cause });
  }
}

/**
 * Migrates the database, then connects Prisma through the driver adapter for its provider. Writes
 * record their audit entries in the shape `records` gives, stamped with the time `now` gives
 * (milliseconds since the epoch).
 */
export async function openDatabase(
  provider: DatabaseProvider,
  url: string,
  { records, now }: { records: AuditRecords; now: () => number },
): Promise<Database> {
  const migrations = await migrate(provider, url).catch((error: unknown) => {
    throw new DatabaseStartError(error);
  });

  // A generated client only accepts the adapter of its own provider, hence one client per provider.
  const client =
    provider === 'sqlite'
      ? new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: sqliteFilePath(url), timeout: 5000 }) })
      : new PostgresClient({ adapter: new PrismaPg(postgresPool(url), { disposeExternalPool: true }) });
  const assertFileInPlace = provider === 'sqlite' ? sqliteFileGuard(sqliteFilePath(url)) : () => {};
  const store: PrismaStore = client as SqliteClient;
  // Far more writes than any burst a flag service sees; each waits in memory, not for a connection.
  const queue = new WriteQueue(MAX_QUEUED_WRITES);
  const experimentData = new SqlExperimentData(
    store,
    provider,
    assertFileInPlace,
    provider === 'sqlite' ? sqliteFilePath(url) : undefined,
  );
  const writes: WriteContext = { assertWritable: assertFileInPlace, records, now: () => new Date(now()), queue };

  return {
    migrations,
    changes: provider === 'postgresql' ? new PostgresChangeFeed(url) : silentChangeFeed,
    config: new PrismaConfigReader(store),
    flags: new PrismaFlagRepository(store, writes),
    segments: new PrismaSegmentRepository(store, writes),
    schedules: new PrismaScheduleRepository(store, writes),
    apiKeys: new PrismaApiKeyRepository(store, writes),
    audit: new PrismaAuditLog(store),
    experiments: new PrismaExperimentRepository(store, writes),
    experimentData,
    async ping() {
      assertFileInPlace();
      await (client as SqliteClient).$queryRaw`SELECT 1`;
    },
    async close() {
      experimentData.close();
      await client.$disconnect();
    },
  };
}
