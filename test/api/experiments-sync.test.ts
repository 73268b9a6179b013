import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, buildTestApp, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';

const POLL_MS = 1000;
const variants = [
  { key: 'control', weight: 50 },
  { key: 'treatment', weight: 50 },
];

/** An experiment started through one instance makes the other record exposures, and stop it again. */
describe.each(backends)('experiments across two instances on $name', (backend) => {
  let database: TestDatabase;
  let writer: FastifyInstance;
  let reader: FastifyInstance;
  const clock = new ManualClock();
  const exposed = async () =>
    (await query(database, 'SELECT user_id FROM exposures ORDER BY user_id')).map((r) => r.user_id);

  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    // Both on one clock: the reader's poll and both exposure buffers run when the test moves it.
    const env = { SNAPSHOT_POLL_MS: String(POLL_MS) };
    writer = await buildTestApp(database, env, clock);
    reader = await buildTestApp(database, env, clock);
  });
  afterAll(async () => {
    await Promise.all([writer?.close(), reader?.close()]);
    await database?.drop();
  });

  it.skipIf(!backend.available)('starts and stops exposures on the other instance', async () => {
    const post = (url: string, payload?: object) => writer.inject({ method: 'POST', url, payload });
    expect((await post('/flags', { flag_name: 'checkout', status: true, variants })).statusCode).toBe(201);
    const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
    expect(
      (await post('/experiments', { key: 'x', flag_name: 'checkout', control: 'control', metrics })).statusCode,
    ).toBe(201);
    expect((await post('/experiments/x/start')).statusCode).toBe(200);
    // The reader learns of it at its next poll (PostgreSQL's NOTIFY may tell it sooner).
    await clock.advance(POLL_MS);
    expect((await reader.inject({ method: 'GET', url: '/experiments/x' })).json().status).toBe('running');
    await reader.inject({ method: 'GET', url: '/users/on-reader/flags/checkout' });
    await clock.advance(POLL_MS);
    expect(await exposed()).toEqual(['on-reader']);

    expect((await post('/experiments/x/stop')).statusCode).toBe(200);
    await clock.advance(POLL_MS);
    await reader.inject({ method: 'GET', url: '/users/after-stop/flags/checkout' });
    await clock.advance(POLL_MS);
    expect(await exposed()).toEqual(['on-reader']);
  });
});
