import { chmodSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteFilePath } from '../../src/db/sqlite-url.js';
import { type ServerProcess, startCommand, startServer } from '../support/server-process.js';
import { useTestAppAndDatabase } from '../support/test-app.js';
import { backends, createPostgresDatabase, postgresAdminUrl, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';

const [sqlite, postgresql] = backends;

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe.skipIf(!postgresAdminUrl)('when PostgreSQL goes away and comes back', () => {
  const testApp = useTestAppAndDatabase(postgresql, { env: { SNAPSHOT_POLL_MS: '100' } });

  async function admin(sql: string) {
    const client = new pg.Client({ connectionString: postgresAdminUrl });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it('evaluates from the snapshot, refuses writes with 503, reports it, and recovers without a restart', async () => {
    const [app, database] = [testApp.app(), testApp.database()];
    const name = new URL(database.url).pathname.slice(1);
    expect(
      (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'steady', status: true } })).statusCode,
    ).toBe(201);

    // Outage: no new connections, and every existing one killed.
    await admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);

    const evaluation = await app.inject({ method: 'GET', url: '/users/alice123/flags/steady' });
    expect(evaluation.statusCode).toBe(200);
    expect(evaluation.json().enabled).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/users/alice123/flags' })).json().flags).toEqual({ steady: true });
    expect((await app.inject({ method: 'GET', url: '/flags/steady' })).statusCode).toBe(200);

    const write = await app.inject({ method: 'PUT', url: '/flags/steady', payload: { status: false } });
    expect(write.statusCode).toBe(503);
    expect(write.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(write.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(write.body).not.toMatch(/\.ts:\d+|node_modules/);
    expect((await app.inject({ method: 'GET', url: '/users/alice123/flags/steady' })).json().enabled).toBe(true);

    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unavailable', database: 'unavailable' });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    // Still serving from the snapshot: load balancers and platforms keep it in rotation.
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok' });

    // The database comes back, and someone else changes a flag directly in it.
    await admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    await direct.query(
      `UPDATE flag_configs SET rollout_bp = 0 WHERE environment_id = 2 AND ` +
        `flag_id = (SELECT id FROM flags WHERE flag_name = 'steady')`,
    );
    await direct.end();

    expect(
      await eventually(async () => (await app.inject({ method: 'GET', url: '/health' })).statusCode === 200, 5000),
    ).toBe(true);
    expect(
      await eventually(
        async () => (await app.inject({ method: 'GET', url: '/flags/steady' })).json().rollout_percentage === 0,
        5000,
      ),
    ).toBe(true);
    expect(
      (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'after_outage' } })).statusCode,
    ).toBe(201);
  });
});

describe.skipIf(!postgresAdminUrl)(
  'PostgreSQL connections killed again and again under writes, in the real server process',
  () => {
    let database: TestDatabase;
    let server: ServerProcess;
    afterAll(async () => {
      server?.process.kill('SIGKILL');
      await database?.drop();
    });

    it('answers 503 while they die, never 500, stays up, and then writes again', async () => {
      database = await createPostgresDatabase();
      server = await startServer({ DATABASE_URL: database.url, RATE_LIMIT_WRITES: '0' });
      const send = (method: string, path: string, body?: object) =>
        fetch(`${server.baseUrl}${path}`, {
          method,
          headers: body ? { 'content-type': 'application/json' } : {},
          body: body ? JSON.stringify(body) : undefined,
        }).then(
          (res) => res.status,
          () => 'no answer',
        );
      expect(await send('POST', '/flags', { flag_name: 'steady' })).toBe(201);

      // Writes are transactions of several statements, on connections the pool keeps reopening. A
      // connection killed between two statements, or just as it opens, fails in node-postgres itself.
      const statuses = new Map<number | string, number>();
      let writing = true;
      const writer = async (id: number) => {
        for (let i = 0; writing; i++) {
          const status =
            i % 3 === 0
              ? await send('POST', '/segments', { name: `s${id}_${i}` })
              : i % 3 === 1
                ? await send('PUT', '/flags/steady', { rollout_percentage: (id * 7 + i) % 100 })
                : await send('DELETE', `/segments/s${id}_${i - 2}`);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      };
      const writers = Array.from({ length: 6 }, (_, id) => writer(id));
      const name = new URL(database.url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: postgresAdminUrl });
      await admin.connect();
      for (let kill = 0; kill < 30; kill++) {
        await new Promise((r) => setTimeout(r, 30));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      }
      await admin.end();
      writing = false;
      await Promise.all(writers);

      expect(server.process.exitCode, server.logs().slice(-2000)).toBeNull();
      expect(statuses.get(503)).toBeGreaterThan(0);
      expect(
        [...statuses.keys()].filter((status) => status !== 503 && (typeof status === 'string' || status >= 500)),
      ).toEqual([]);
      expect(await send('PUT', '/flags/steady', { rollout_percentage: 42 })).toBe(200);
    }, 30_000);
  },
);

describe('SQLite: changes by another writer of the same file', () => {
  const testApp = useTestAppAndDatabase(sqlite, { env: { SNAPSHOT_POLL_MS: '100' } });

  it('reach the snapshot through the revision poll', async () => {
    const [app, database] = [testApp.app(), testApp.database()];
    expect(
      (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'polled', status: false } })).statusCode,
    ).toBe(201);

    const other = new Database(sqliteFilePath(database.url));
    other
      .prepare(
        `UPDATE flag_configs SET status = 1 WHERE environment_id = 2 AND ` +
          `flag_id = (SELECT id FROM flags WHERE flag_name = 'polled')`,
      )
      .run();
    other.close();

    expect(
      await eventually(
        async () => (await app.inject({ method: 'GET', url: '/users/u1/flags/polled' })).json().enabled === true,
        3000,
      ),
    ).toBe(true);
  });
});

describe('SQLite: the database file goes away and comes back', () => {
  const testApp = useTestAppAndDatabase(sqlite);

  it('evaluates from the snapshot, refuses writes with 503, reports it, and recovers without a restart', async () => {
    const [app, database] = [testApp.app(), testApp.database()];
    const file = sqliteFilePath(database.url);
    expect(
      (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'steady', status: true } })).statusCode,
    ).toBe(201);

    // The open handle would go on writing into the moved file, where nobody would ever read it.
    renameSync(file, `${file}.moved`);

    expect((await app.inject({ method: 'GET', url: '/users/alice123/flags/steady' })).json().enabled).toBe(true);
    const write = await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'lost' } });
    expect(write.statusCode).toBe(503);
    expect(write.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await app.inject({ method: 'GET', url: '/flags/lost' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    renameSync(`${file}.moved`, file);

    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'after_outage' } })).statusCode,
    ).toBe(201);
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT flag_name FROM flags ORDER BY flag_name').pluck().all()).toEqual([
      'after_outage',
      'steady',
    ]);
    reader.close();
  });
});

// Root reads any file whatever its mode. Where the test is root, the server stays root (so it can
// read a checkout under /root, mode 700) but without the capabilities that override file modes.
const withoutModeOverride =
  process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : [];

describe('SQLite: the database file becomes unreadable under the real server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flags-unreadable-'));
  const file = join(dir, 'flags.db');
  let server: ServerProcess;
  afterAll(() => {
    server?.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers evaluations, refuses writes with 503, reports it, and recovers when access returns', async () => {
    server = await startServer(
      { DATABASE_URL: `file:${file}` },
      { command: [...withoutModeOverride, ...startCommand] },
    );
    const post = (flag_name: string) =>
      fetch(`${server.baseUrl}/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ flag_name, status: true }),
      });
    expect((await post('steady')).status).toBe(201);

    chmodSync(file, 0o000);

    expect(await (await fetch(`${server.baseUrl}/users/alice123/flags/steady`)).json()).toMatchObject({
      enabled: true,
    });
    const write = await post('refused');
    expect(write.status).toBe(503);
    expect(await write.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(503);
    expect((await fetch(`${server.baseUrl}/health/live`)).status).toBe(200);

    chmodSync(file, 0o644);

    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    expect((await post('after_outage')).status).toBe(201);
    expect((await fetch(`${server.baseUrl}/flags/refused`)).status).toBe(404);
  });
});

describe('SQLite: the database file goes away while an experiment runs', () => {
  const clock = new ManualClock();
  const testApp = useTestAppAndDatabase(sqlite, { clock, env: { SNAPSHOT_POLL_MS: '3600000' } });
  const variants = [
    { key: 'control', weight: 50 },
    { key: 'treatment', weight: 50 },
  ];

  it('refuses events with 503 and keeps exposures in memory, then writes them into the file it opened', async () => {
    const [app, database] = [testApp.app(), testApp.database()];
    const file = sqliteFilePath(database.url);
    const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, payload });
    expect((await post('/flags', { flag_name: 'checkout', status: true, variants })).statusCode).toBe(201);
    const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
    expect(
      (await post('/experiments', { key: 'x', flag_name: 'checkout', control: 'control', metrics })).statusCode,
    ).toBe(201);
    expect((await post('/experiments/x/start')).statusCode).toBe(200);

    renameSync(file, `${file}.moved`);

    const refused = await post('/events', { events: [{ type: 'track', event: 'purchase', user_id: 'alice' }] });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await app.inject({ method: 'GET', url: '/users/alice/flags/checkout' })).json().variant).not.toBeNull();
    await clock.advance(1000);
    const moved = new Database(`${file}.moved`, { readonly: true });
    expect(moved.prepare('SELECT COUNT(*) FROM exposures').pluck().get()).toBe(0);
    moved.close();

    renameSync(`${file}.moved`, file);
    await clock.advance(1000);
    expect((await query(database, 'SELECT user_id FROM exposures')).map((r) => r.user_id)).toEqual(['alice']);
    expect(
      (await post('/events', { events: [{ type: 'track', event: 'purchase', user_id: 'alice' }] })).statusCode,
    ).toBe(202);
  });
});
