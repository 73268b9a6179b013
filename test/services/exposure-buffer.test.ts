import type { FastifyBaseLogger } from 'fastify';
import { webhookAnnouncement } from '../../src/areas/webhooks/webhook-announcement.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../../src/core/experiments.js';
import { SqlExperimentData } from '../../src/areas/experiments/experiment-store.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { WriterHealth } from '../../src/workers/background-writers.js';
import { ExposureBuffer, MAX_BUFFERED_EXPOSURES } from '../../src/workers/exposure-buffer.js';
import { backends, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';

let warnings: string[] = [];
let logged: Record<string, unknown>[] = [];
const note = (entry: Record<string, unknown>, message: string) => {
  warnings.push(message);
  logged.push(entry);
};
const log = { warn: note, info: note, error: note } as unknown as FastifyBaseLogger;

describe.each(backends)('the exposure buffer on $name', (backend) => {
  let database: TestDatabase;
  let db: Database;
  let experimentData: SqlExperimentData;
  const clock = new ManualClock();
  // Only its id matters to the buffer; the row exists so the exposures belong to something.
  const experiment = { id: 1 } as Experiment;
  const count = async () => Number((await query(database, 'SELECT COUNT(*) AS n FROM exposures'))[0].n);

  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    db = await openDatabase(database.provider, database.url, {
      now: () => clock.now(),
      announcement: webhookAnnouncement,
    });
    experimentData = new SqlExperimentData(db.client, db.provider, db.assertWritable, db.sqliteFile);
  });
  afterAll(async () => {
    experimentData?.close();
    await db?.close();
    await database?.drop();
  });

  it.skipIf(!backend.available)(
    'keeps what it cannot write, drops beyond its bound and counts it, then writes all once the database takes it',
    async () => {
      warnings = [];
      const health = new WriterHealth('exposures', clock, log);
      const buffer = new ExposureBuffer(experimentData, clock, log, health);
      buffer.start();
      // A real failure: the table is gone for a while, as in a botched migration.
      await query(database, 'ALTER TABLE exposures RENAME TO exposures_away');
      for (let i = 0; i < MAX_BUFFERED_EXPOSURES + 10; i++) buffer.record(experiment, `user-${i}`, 'control');
      await clock.advance(1000);
      expect(buffer.size).toBe(MAX_BUFFERED_EXPOSURES);
      expect(buffer.dropped).toBe(10);
      expect(buffer.written).toBe(0);
      // One line for the outage, not one per attempt.
      expect(warnings).toEqual(['exposures: cannot write; kept for the next attempt']);
      expect(health.state.failingSince).toBeGreaterThan(0);

      await query(database, 'ALTER TABLE exposures_away RENAME TO exposures');
      // Seen again in another variant while waiting: written as seen in several.
      buffer.record(experiment, 'user-7', 'treatment');
      await clock.advance(1000);
      expect(buffer.size).toBe(0);
      expect(buffer.written).toBe(MAX_BUFFERED_EXPOSURES);
      expect(warnings.at(-1)).toBe('exposures: writing again');
      expect(health.state.failingSince).toBeNull();
      expect(await count()).toBe(MAX_BUFFERED_EXPOSURES);
      const [row] = await query(database, "SELECT variant, multiple FROM exposures WHERE user_id = 'user-7'");
      expect(row.variant).toBe('control');
      expect(Boolean(row.multiple)).toBe(true);

      // Written again later, as another instance would: the first exposure stays, nothing doubles.
      buffer.record(experiment, 'user-1', 'treatment');
      await buffer.stop();
      expect(await count()).toBe(MAX_BUFFERED_EXPOSURES);
      const [again] = await query(database, "SELECT variant, multiple FROM exposures WHERE user_id = 'user-1'");
      expect(again.variant).toBe('control');
      expect(Boolean(again.multiple)).toBe(true);
    },
    60_000,
  );

  it.skipIf(!backend.available)(
    'drops alone a row the database refuses for what it holds, logs it once, and writes the rest',
    async () => {
      warnings = [];
      logged = [];
      await query(database, 'DELETE FROM exposures');
      const health = new WriterHealth('exposures', clock, log);
      const buffer = new ExposureBuffer(experimentData, clock, log, health);
      // The service refuses such user ids at its door; here they reach the buffer anyway.
      const bad = ['nul\u0000user', 'lone\ud800'];
      for (let i = 0; i < 2500; i++) buffer.record(experiment, `good-${i}`, 'control');
      for (const user of bad) buffer.record(experiment, user, 'control');
      await buffer.flush();
      // PostgreSQL refuses both (22P05, 22P02); SQLite stores U+0000 and turns the half pair into U+FFFD.
      const refused = backend.name === 'postgresql' ? 2 : 0;
      expect(buffer.size).toBe(0);
      expect(buffer.written).toBe(2502 - refused);
      expect(await count()).toBe(2502 - refused);
      expect(health.state).toEqual({ name: 'exposures', failingSince: null, droppedRows: refused });
      expect(warnings).toEqual(Array(refused).fill('exposures: dropped a row the database refuses to store'));
      expect(logged.map((entry) => (entry.row as { userId: string }).userId).sort()).toEqual(refused ? bad.sort() : []);

      // Writing goes on for every later exposure.
      buffer.record(experiment, 'after', 'treatment');
      await buffer.flush();
      expect(await count()).toBe(2503 - refused);
    },
    60_000,
  );

  it.skipIf(!backend.available)(
    'says how many exposures a shutdown loses when the database cannot take them',
    async () => {
      warnings = [];
      logged = [];
      const buffer = new ExposureBuffer(experimentData, clock, log, new WriterHealth('exposures', clock, log));
      await query(database, 'ALTER TABLE exposures RENAME TO exposures_away');
      try {
        for (let i = 0; i < 3; i++) buffer.record(experiment, `late-${i}`, 'control');
        await buffer.stop();
      } finally {
        await query(database, 'ALTER TABLE exposures_away RENAME TO exposures');
      }
      expect(warnings.at(-1)).toBe('exposures that could not be written before shutdown are lost');
      expect(logged.at(-1)).toEqual({ lost: 3 });
    },
  );
});
