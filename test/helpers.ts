import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Database from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { type DatabaseProvider, loadConfig } from '../src/config.js';
import type { Clock } from '../src/support/clock.js';
import { sqliteFilePath } from '../src/db/sqlite-url.js';

/** Set by .ci/run; without it the PostgreSQL suites are reported as skipped, never as passed. */
export const postgresAdminUrl = process.env.TEST_POSTGRES_URL;

export interface TestDatabase {
  provider: DatabaseProvider;
  url: string;
  drop(): Promise<void>;
}

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'flags-test-'));
  return {
    provider: 'sqlite',
    url: `file:${join(dir, 'flags.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh, empty PostgreSQL database per test file, so files run in parallel without sharing state. */
export async function createPostgresDatabase(adminUrl = postgresAdminUrl): Promise<TestDatabase> {
  if (!adminUrl) throw new Error('TEST_POSTGRES_URL is not set');
  const name = `flags_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    provider: 'postgresql',
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export const backends = [
  { name: 'sqlite', create: createSqliteDatabase, available: true },
  { name: 'postgresql', create: createPostgresDatabase, available: Boolean(postgresAdminUrl) },
] as const;

export async function buildTestApp(
  database: TestDatabase,
  env: Record<string, string> = {},
  clock?: Clock,
): Promise<FastifyInstance> {
  return buildApp(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...env }), { clock });
}

/** Runs SQL straight against a test database, beside the service: to read what it stored, or to break it. */
export async function query(database: TestDatabase, sql: string): Promise<Record<string, unknown>[]> {
  if (database.provider === 'sqlite') {
    const db = new Database(sqliteFilePath(database.url));
    try {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
