import type { FastifyBaseLogger } from 'fastify';
import { webhookAnnouncement } from '../../src/services/webhook-announcement.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../../src/core/model.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { ExposureBuffer, MAX_BUFFERED_EXPOSURES } from '../../src/services/exposure-buffer.js';
import { backends, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';

let warnings: string[] = [];
const log = {
  warn: (_: object, message: string) => warnings.push(message),
  info: (_: object, message: string) => warnings.push(message),
} as unknown as FastifyBaseLogger;

describe.each(backends)('the exposure buffer on $name', (backend) => {
  let database: TestDatabase;
  let db: Database;
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
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it.skipIf(!backend.available)(
    'keeps what it cannot write, drops beyond its bound and counts it, then writes all once the database takes it',
    async () => {
      warnings = [];
      const buffer = new ExposureBuffer(db.experimentData, clock, log);
      buffer.start();
      // A real failure: the table is gone for a while, as in a botched migration.
      await query(database, 'ALTER TABLE exposures RENAME TO exposures_away');
      for (let i = 0; i < MAX_BUFFERED_EXPOSURES + 10; i++) buffer.record(experiment, `user-${i}`, 'control');
      await clock.advance(1000);
      expect(buffer.size).toBe(MAX_BUFFERED_EXPOSURES);
      expect(buffer.dropped).toBe(10);
      expect(buffer.written).toBe(0);
      // One line for the outage, not one per attempt.
      expect(warnings).toEqual(['cannot write exposures; kept for the next attempt']);

      await query(database, 'ALTER TABLE exposures_away RENAME TO exposures');
      // Seen again in another variant while waiting: written as seen in several.
      buffer.record(experiment, 'user-7', 'treatment');
      await clock.advance(1000);
      expect(buffer.size).toBe(0);
      expect(buffer.written).toBe(MAX_BUFFERED_EXPOSURES);
      expect(warnings.at(-1)).toBe('writing exposures again');
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
});
