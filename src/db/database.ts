import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseProvider } from '../config.js';
import type { ApiKeyReader } from '../areas/api-keys/api-key-store.js';
import type { AuditLog } from '../areas/audit/audit-store.js';
import type { ConfigReader, ConfigStore, NewAuditEntry } from './repositories.js';
import type { EvaluationTimes } from '../areas/flags/evaluation-time-store.js';
import type { ExperimentData } from '../areas/experiments/experiment-store.js';
import type { ScheduleReader } from '../areas/schedules/schedule-store.js';
import type { WebhookStore } from '../areas/webhooks/webhook-store.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { migrate, type MigrationReport } from './migrate.js';
import { PrismaApiKeyReader } from '../areas/api-keys/api-key-store.js';
import { PrismaAuditLog } from '../areas/audit/audit-store.js';
import { PrismaConfigReader, PrismaConfigStore } from './config-store.js';
import { PrismaEvaluationTimes } from '../areas/flags/evaluation-time-store.js';
import { PrismaScheduleReader } from '../areas/schedules/schedule-store.js';
import { type WriteContext } from './config-write.js';
import type { PrismaStore } from './prisma-tables.js';
import { type ChangeFeed, PostgresChangeFeed, silentChangeFeed } from './change-feed.js';
import { sqliteAdapter } from './sqlite-adapter.js';
import { sqliteFileGuard } from './sqlite-file-guard.js';
import { sqliteFilePath } from './sqlite-url.js';
import { WriteQueue } from './write-queue.js';
import { SqlExperimentData } from '../areas/experiments/experiment-store.js';
import { PrismaWebhookStore } from '../areas/webhooks/webhook-store.js';

const MAX_QUEUED_WRITES = 10_000;

export interface Database {
  readonly config: ConfigReader;
  /** Every change to the configuration (projects, environments, flags, segments, schedules, experiments, keys). */
  readonly store: ConfigStore;
  readonly apiKeys: ApiKeyReader;
  readonly schedules: ScheduleReader;
  readonly audit: AuditLog;
  readonly evaluationTimes: EvaluationTimes;
  readonly experimentData: ExperimentData;
  readonly webhooks: WebhookStore;
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
 * are stamped with the time `now` gives (milliseconds since the epoch), and announced to webhooks in
 * the body `announcement` gives.
 */
export async function openDatabase(
  provider: DatabaseProvider,
  url: string,
  { now, announcement }: { now: () => number; announcement: (entry: NewAuditEntry, id: number, at: Date) => string },
): Promise<Database> {
  const migrations = await migrate(provider, url).catch((error: unknown) => {
    throw new DatabaseStartError(error);
  });

  // A generated client only accepts the adapter of its own provider, hence one client per provider.
  const client =
    provider === 'sqlite'
      ? new SqliteClient({ adapter: sqliteAdapter(sqliteFilePath(url)) })
      : new PostgresClient({ adapter: new PrismaPg(postgresPool(url), { disposeExternalPool: true }) });
  const assertFileInPlace = provider === 'sqlite' ? sqliteFileGuard(sqliteFilePath(url)) : () => {};
  // Both clients come from identical models (test/db/schema-drift.test.ts): one's types describe the other.
  const store = client as unknown as PrismaStore;
  // Far more writes than any burst a flag service sees; each waits in memory, not for a connection.
  const queue = new WriteQueue(MAX_QUEUED_WRITES);
  const experimentData = new SqlExperimentData(
    store,
    provider,
    assertFileInPlace,
    provider === 'sqlite' ? sqliteFilePath(url) : undefined,
  );
  const writes: WriteContext = { assertWritable: assertFileInPlace, now: () => new Date(now()), queue, announcement };

  return {
    migrations,
    changes: provider === 'postgresql' ? new PostgresChangeFeed(url) : silentChangeFeed,
    config: new PrismaConfigReader(store),
    store: new PrismaConfigStore(store, writes),
    apiKeys: new PrismaApiKeyReader(store),
    schedules: new PrismaScheduleReader(store),
    audit: new PrismaAuditLog(store),
    evaluationTimes: new PrismaEvaluationTimes(store, assertFileInPlace),
    experimentData,
    webhooks: new PrismaWebhookStore(store, provider, assertFileInPlace),
    async ping() {
      assertFileInPlace();
      await store.$queryRaw`SELECT 1`;
    },
    async close() {
      experimentData.close();
      await client.$disconnect();
    },
  };
}
