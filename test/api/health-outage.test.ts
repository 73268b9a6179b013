import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp, createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../helpers.js';

describe.skipIf(!postgresAdminUrl)('health when PostgreSQL goes away', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 503 "unavailable" when the database cannot be reached, without a stack trace', async () => {
    database = await createPostgresDatabase();
    app = await buildTestApp(database);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    // Dropping the database kills the service's connections and makes reconnecting fail.
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE "${new URL(database.url).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();

    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unavailable', database: 'unavailable' });

    const write = await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'during_outage' } });
    expect(write.statusCode).toBe(503);
    expect(write.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(write.body).not.toMatch(/\.ts:\d+|node_modules/);
  });
});
