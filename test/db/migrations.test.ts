import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, type Migration, migrate } from '../../src/db/migrate.js';
import { backends, query, type TestDatabase } from '../helpers.js';

const tableNames = async (database: TestDatabase) =>
  (
    await query(
      database,
      database.provider === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).map((r) => r.name);

describe.each(backends)('migrations on $name', ({ create, available }) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it.skipIf(!available)(
    'apply once, are recorded like Prisma Migrate records them, and re-running is a no-op',
    async () => {
      database = await create();
      const migrations = loadMigrations(database.provider);
      expect(migrations.length).toBeGreaterThan(0);

      const first = await migrate(database.provider, database.url);
      expect(first).toEqual({ applied: migrations.map((m) => m.name), modifiedAfterApply: [] });
      const second = await migrate(database.provider, database.url);
      expect(second).toEqual({ applied: [], modifiedAfterApply: [] });

      const rows = await query(
        database,

        'SELECT id, checksum, migration_name, finished_at, rolled_back_at, applied_steps_count, logs FROM ' +
          '"_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows).toHaveLength(migrations.length);
      rows.forEach((row, i) => {
        expect(row).toMatchObject({
          migration_name: migrations[i].name,
          checksum: migrations[i].checksum,
          applied_steps_count: 1,
          rolled_back_at: null,
          logs: null,
        });
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.finished_at).not.toBeNull();
      });
      expect(await tableNames(database)).toEqual([
        '_prisma_migrations',
        'accounts',
        'api_keys',
        'audit_log',
        'config_changes',
        'config_revision',
        'environments',
        'events',
        'experiments',
        'exposures',
        'flag_configs',
        'flag_evaluations',
        'flags',
        'one_time_tokens',
        'personal_tokens',
        'project_members',
        'projects',
        'scheduled_changes',
        'segments',
        'sessions',
        'sign_in_throttles',
        'webhook_deliveries',
        'webhooks',
      ]);
    },
  );

  it.skipIf(!available)('roll a failing migration back completely and apply it once it is fixed', async () => {
    database = await create();
    const broken: Migration = {
      name: '29990101000000_broken',
      sql: 'CREATE TABLE "half_done" ("id" INTEGER NOT NULL);\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;',
      checksum: 'a'.repeat(64),
    };
    await expect(
      migrate(database.provider, database.url, [...loadMigrations(database.provider), broken]),
    ).rejects.toThrow(/29990101000000_broken/);
    // The good migration before it stays; nothing of the broken one is left behind.
    expect(await tableNames(database)).toEqual([
      '_prisma_migrations',
      'accounts',
      'api_keys',
      'audit_log',
      'config_changes',
      'config_revision',
      'environments',
      'events',
      'experiments',
      'exposures',
      'flag_configs',
      'flag_evaluations',
      'flags',
      'one_time_tokens',
      'personal_tokens',
      'project_members',
      'projects',
      'scheduled_changes',
      'segments',
      'sessions',
      'sign_in_throttles',
      'webhook_deliveries',
      'webhooks',
    ]);
    expect(
      (await query(database, 'SELECT migration_name FROM "_prisma_migrations"')).map((r) => r.migration_name),
    ).not.toContain(broken.name);

    const fixed = { ...broken, sql: 'CREATE TABLE "half_done" ("id" INTEGER NOT NULL);', checksum: 'b'.repeat(64) };
    const report = await migrate(database.provider, database.url, [...loadMigrations(database.provider), fixed]);
    expect(report.applied).toEqual([fixed.name]);
    expect(await tableNames(database)).toEqual([
      '_prisma_migrations',
      'accounts',
      'api_keys',
      'audit_log',
      'config_changes',
      'config_revision',
      'environments',
      'events',
      'experiments',
      'exposures',
      'flag_configs',
      'flag_evaluations',
      'flags',
      'half_done',
      'one_time_tokens',
      'personal_tokens',
      'project_members',
      'projects',
      'scheduled_changes',
      'segments',
      'sessions',
      'sign_in_throttles',
      'webhook_deliveries',
      'webhooks',
    ]);
  });

  it.skipIf(!available)('report a migration whose SQL changed after it was applied', async () => {
    database = await create();
    await migrate(database.provider, database.url);
    const edited = loadMigrations(database.provider).map((m) => ({ ...m, checksum: 'c'.repeat(64) }));
    expect((await migrate(database.provider, database.url, edited)).modifiedAfterApply).toEqual(
      edited.map((m) => m.name),
    );
  });
});
