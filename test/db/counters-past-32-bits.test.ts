import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, buildTestApp, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';

// Two below the largest 32-bit integer: the next writes take audit ids and revisions beyond it.
const NEAR_32_BITS = 2 ** 31 - 2;
const POLL_MS = 1000;

/**
 * A revision is taken per changed row and an audit id per change, so a long-lived installation passes
 * 2^31 of each. On 32-bit PostgreSQL columns every write then failed with a 500.
 */
describe.each(backends)('audit ids and revisions past 2^31 on $name', (backend) => {
  let database: TestDatabase;
  let writer: FastifyInstance;
  let reader: FastifyInstance;
  const readerClock = new ManualClock();

  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    writer = await buildTestApp(database);
    // The first entry creates SQLite's sequence row, which the counters below then move.
    await writer.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'first' } });
    await query(database, `UPDATE config_revision SET revision = ${NEAR_32_BITS}`);
    await query(
      database,
      database.provider === 'sqlite'
        ? `UPDATE sqlite_sequence SET seq = ${NEAR_32_BITS} WHERE name = 'audit_log'`
        : `SELECT setval('audit_log_id_seq', ${NEAR_32_BITS})`,
    );
    // Built after the jump: its snapshot starts at the high revision and must follow the writer's changes.
    reader = await buildTestApp(database, { SNAPSHOT_POLL_MS: String(POLL_MS) }, readerClock);
  });
  afterAll(async () => {
    await Promise.all([writer?.close(), reader?.close()]);
    await database?.drop();
  });

  it.skipIf(!backend.available)('keeps writing, paging the audit log and syncing instances', async () => {
    for (const payload of [{ flag_name: 'a' }, { flag_name: 'b' }, { flag_name: 'c', status: true }]) {
      expect((await writer.inject({ method: 'POST', url: '/flags', payload })).statusCode).toBe(201);
    }
    expect((await writer.inject({ method: 'PUT', url: '/flags/a', payload: { status: true } })).statusCode).toBe(200);

    const page = (await writer.inject({ method: 'GET', url: '/audit?limit=2' })).json();
    expect(page.entries.map((e: { id: number }) => e.id)).toEqual([2 ** 31 + 2, 2 ** 31 + 1]);
    expect(page.next_cursor).toBe(2 ** 31 + 1);
    const older = (await writer.inject({ method: 'GET', url: `/audit?limit=2&cursor=${page.next_cursor}` })).json();
    expect(older.entries.map((e: { id: number; target: string }) => [e.id, e.target])).toEqual([
      [2 ** 31, 'b'],
      [2 ** 31 - 1, 'a'],
    ]);
    expect((await writer.inject({ method: 'GET', url: '/flags/a/history?cursor=2147483648' })).json().entries).toEqual([
      expect.objectContaining({ id: 2 ** 31 - 1, action: 'flag.created' }),
    ]);

    await readerClock.advance(POLL_MS);
    const enabled = (await reader.inject({ method: 'GET', url: '/users/u1/flags/a' })).json().enabled;
    expect(enabled).toBe(true);
    const metrics = (await reader.inject({ method: 'GET', url: '/metrics' })).body;
    const sample = (name: string) => Number(new RegExp(`^feature_flags_${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    // Each create writes a definition and one configuration per environment (development, production): 3 × 3 + 1.
    expect(sample('snapshot_revision')).toBe(NEAR_32_BITS + 10);
    // Followed by reading only the changed rows, which the 64-bit change log names.
    expect(sample('snapshot_partial_reloads_total')).toBeGreaterThan(0);
  });
});
