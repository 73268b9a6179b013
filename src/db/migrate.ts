/**
 * Applies the SQL migrations in prisma/<provider>/migrations at start, without Prisma's schema engine.
 *
 * Each migration runs in one transaction together with its row in `_prisma_migrations`, written the
 * way `prisma migrate deploy` writes it (same table, SHA-256 checksum of migration.sql, folder name),
 * so `prisma migrate status` on a machine that has the engine agrees with what ran here. A failing
 * migration rolls back completely; running again applies only what is missing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseProvider } from '../config.js';
import { sqliteFilePath } from './sqlite-url.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  /** Already applied, but migration.sql changed since: the database may not match the schema. */
  modifiedAfterApply: string[];
}

// The same lock key `prisma migrate` takes, so the service and the CLI never migrate at once.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const migrationsRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prisma');

export function loadMigrations(provider: DatabaseProvider): Migration[] {
  const dir = join(migrationsRoot, provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

function plan(migrations: Migration[], rows: AppliedRow[]): { pending: Migration[]; report: MigrationReport } {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    throw new Error(
      `Migration ${failed[0].migration_name} failed earlier and was not resolved; ` +
        'fix the database, then run `prisma migrate resolve` (see DEPLOYMENT.md).',
    );
  }
  const applied = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
  return {
    pending: migrations.filter((m) => !applied.has(m.name)),
    report: {
      applied: [],
      modifiedAfterApply: migrations
        .filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum)
        .map((m) => m.name),
    },
  };
}

function migrationFailed(migration: Migration, error: unknown): Error {
  return new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
    cause: error,
  });
}

const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

function migrateSqlite(url: string, migrations: Migration[]): MigrationReport {
  const file = sqliteFilePath(url);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 5000 });
  try {
    // WAL lets readers and the writer work at the same time; the mode is stored in the file.
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_MIGRATIONS_TABLE);
    const rows = db
      .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')
      .all() as AppliedRow[];
    const { pending, report } = plan(migrations, rows);
    const record = db.prepare(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES (?, ?, ?, ?, ?, 1)`,
    );
    for (const migration of pending) {
      const startedAt = Date.now();
      // IMMEDIATE takes the write lock first, so two processes starting together apply each migration once.
      const applyOnce = db.transaction(() => {
        const again = db
          .prepare('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND finished_at IS NOT NULL')
          .get(migration.name);
        if (again) return;
        db.exec(migration.sql);
        record.run(randomUUID(), migration.checksum, migration.name, startedAt, Date.now());
        report.applied.push(migration.name);
      });
      try {
        applyOnce.immediate();
      } catch (error) {
        throw migrationFailed(migration, error);
      }
    }
    return report;
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrationReport> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    await client.query(POSTGRES_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const { pending, report } = plan(migrations, rows);
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        const started = await client.query<{ now: Date }>('SELECT clock_timestamp() AS now');
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, $4, clock_timestamp(), 1)`,
          [randomUUID(), migration.checksum, migration.name, started.rows[0].now],
        );
        await client.query('COMMIT');
        report.applied.push(migration.name);
      } catch (error) {
        await client.query('ROLLBACK');
        throw migrationFailed(migration, error);
      }
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

export async function migrate(
  provider: DatabaseProvider,
  url: string,
  migrations: Migration[] = loadMigrations(provider),
): Promise<MigrationReport> {
  return provider === 'sqlite' ? migrateSqlite(url, migrations) : migratePostgres(url, migrations);
}
