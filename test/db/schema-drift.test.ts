import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseProvider } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { sqliteFilePath } from '../../src/db/sqlite-url.js';
import { backends, type TestDatabase } from '../helpers.js';

/** What schema.prisma declares, and what a migrated database has, in one comparable shape. */
interface TableShape {
  columns: Record<string, { type: string; nullable: boolean }>;
  /** Unique indexes (primary keys included), each as its column list joined by ",", sorted. */
  unique: string[];
}

const SQL_TYPES: Record<DatabaseProvider, Record<string, string>> = {
  sqlite: {
    Int: 'INTEGER',
    String: 'TEXT',
    Boolean: 'BOOLEAN',
    DateTime: 'DATETIME',
    Float: 'REAL',
    BigInt: 'INTEGER',
    Json: 'JSONB',
  },
  postgresql: {
    Int: 'integer',
    String: 'text',
    Boolean: 'boolean',
    DateTime: 'timestamp without time zone',
    Float: 'double precision',
    BigInt: 'bigint',
    Json: 'jsonb',
  },
};

const readSchema = (provider: DatabaseProvider) =>
  readFileSync(new URL(`../../prisma/${provider}/schema.prisma`, import.meta.url), 'utf8');
const modelBlocks = (schema: string) => [...schema.matchAll(/^model\s+\w+\s*\{[\s\S]*?^\}/gm)].map((m) => m[0]);

/** A deliberately small reader for the subset of Prisma's schema language this project uses. */
function declaredTables(provider: DatabaseProvider): Record<string, TableShape> {
  const tables: Record<string, TableShape> = {};
  for (const block of modelBlocks(readSchema(provider))) {
    const [, model, body] = /^model\s+(\w+)\s*\{([\s\S]*)\}$/.exec(block)!;
    const shape: TableShape = { columns: {}, unique: [] };
    const columnOf: Record<string, string> = {};
    for (const line of body.split('\n').map((l) => l.trim())) {
      const field = /^(\w+)\s+(\w+)(\?)?(.*)$/.exec(line);
      if (!field || line.startsWith('//')) continue;
      const [, name, type, optional, attributes] = field;
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? name;
      columnOf[name] = column;
      shape.columns[column] = { type: SQL_TYPES[provider][type] ?? `unmapped ${type}`, nullable: optional === '?' };
      if (/@(id|unique)\b/.test(attributes)) shape.unique.push(column);
    }
    for (const compound of body.matchAll(/@@(?:id|unique)\(\[([^\]]+)\]/g)) {
      shape.unique.push(
        compound[1]
          .split(',')
          .map((f) => columnOf[f.trim()])
          .join(','),
      );
    }
    shape.unique.sort();
    tables[/@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model] = shape;
  }
  return tables;
}

async function migratedTables(database: TestDatabase): Promise<Record<string, TableShape>> {
  const tables: Record<string, TableShape> = {};
  if (database.provider === 'sqlite') {
    const db = new Database(sqliteFilePath(database.url), { readonly: true });
    try {
      const names = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> " +
            "'_prisma_migrations'",
        )
        .pluck()
        .all() as string[];
      for (const table of names) {
        const shape: TableShape = { columns: {}, unique: [] };
        const info = db.prepare(`PRAGMA table_info("${table}")`).all() as {
          name: string;
          type: string;
          notnull: number;
          pk: number;
        }[];
        for (const c of info) shape.columns[c.name] = { type: c.type, nullable: c.notnull === 0 && c.pk === 0 };
        const pk = info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        if (pk.length) shape.unique.push(pk.join(','));
        for (const index of db.prepare(`PRAGMA index_list("${table}")`).all() as {
          name: string;
          unique: number;
          origin: string;
        }[]) {
          if (!index.unique || index.origin === 'pk') continue;
          shape.unique.push(
            (db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string }[]).map((c) => c.name).join(','),
          );
        }
        shape.unique.sort();
        tables[table] = shape;
      }
    } finally {
      db.close();
    }
    return tables;
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const columns = await client.query(
      'SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema ' +
        "= 'public' AND table_name <> '_prisma_migrations'",
    );
    for (const c of columns.rows) {
      tables[c.table_name] ??= { columns: {}, unique: [] };
      tables[c.table_name].columns[c.column_name] = { type: c.data_type, nullable: c.is_nullable === 'YES' };
    }
    const indexes = await client.query(`
      SELECT t.relname AS table_name, string_agg(a.attname, ',' ORDER BY k.ord) AS columns
      FROM pg_index ix
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
      JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE ix.indisunique AND t.relname <> '_prisma_migrations'
      GROUP BY t.relname, ix.indexrelid`);
    for (const i of indexes.rows) tables[i.table_name].unique.push(i.columns);
    for (const shape of Object.values(tables)) shape.unique.sort();
  } finally {
    await client.end();
  }
  return tables;
}

describe('schema.prisma and the migration SQL cannot drift apart', () => {
  it('declares the same models for SQLite and PostgreSQL', () => {
    expect(modelBlocks(readSchema('sqlite')).length).toBeGreaterThan(0);
    expect(modelBlocks(readSchema('postgresql'))).toEqual(modelBlocks(readSchema('sqlite')));
  });

  describe.each(backends)('$name', ({ create, available }) => {
    let database: TestDatabase | undefined;
    afterAll(async () => database?.drop());

    it.skipIf(!available)(
      'a freshly migrated database has exactly the tables, columns, types, nullability and unique indexes ' +
        'schema.prisma declares',
      async () => {
        database = await create();
        await migrate(database.provider, database.url);
        const expected = declaredTables(database.provider);
        expect(Object.keys(expected)).toContain('flags');
        expect(await migratedTables(database)).toEqual(expected);
      },
    );
  });
});
