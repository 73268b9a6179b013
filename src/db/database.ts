import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseProvider } from '../config.js';
import type { ConfigReader, ConfigStore, NewAuditEntry } from './repositories.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { migrate, type MigrationReport } from './migrate.js';
import { PrismaConfigReader, PrismaConfigStore } from './config-store.js';
import { type WriteContext } from './config-write.js';
import type { PrismaStore } from './prisma-tables.js';
import { type ChangeFeed, PostgresChangeFeed, silentChangeFeed } from './change-feed.js';
import { sqliteAdapter } from './sqlite-adapter.js';
import { sqliteFileGuard, type WriteGuard } from './sqlite-file-guard.js';
import { sqliteFilePath } from './sqlite-url.js';
import { WriteQueue } from './write-queue.js';

const MAX_QUEUED_WRITES = 10_000;

export interface Database {
  readonly provider: DatabaseProvider;
  /**
   * The Prisma client, for each area's own store (its `*-store.ts`, built by the plugin that needs it).
   * Every change to the configuration goes through `store` instead.
   */
  readonly client: PrismaStore;
  /** Throws when a write must not be attempted (the SQLite file is gone: sqlite-file-guard.ts). */
  readonly assertWritable: WriteGuard;
  /** The SQLite file, for stores that write it through a connection of their own; undefined on PostgreSQL. */
  readonly sqliteFile: string | undefined;
  readonly config: ConfigReader;
  /** Every change to the configuration (projects, environments, flags, segments, schedules, experiments, keys). */
  readonly store: ConfigStore;
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
  const writes: WriteContext = { assertWritable: assertFileInPlace, now: () => new Date(now()), queue, announcement };

  return {
    migrations,
    changes: provider === 'postgresql' ? new PostgresChangeFeed(url) : silentChangeFeed,
    provider,
    client: store,
    assertWritable: assertFileInPlace,
    sqliteFile: provider === 'sqlite' ? sqliteFilePath(url) : undefined,
    config: new PrismaConfigReader(store),
    store: new PrismaConfigStore(store, writes),
    async ping() {
      assertFileInPlace();
      await store.$queryRaw`SELECT 1`;
    },
    async close() {
      await client.$disconnect();
    },
  };
}
