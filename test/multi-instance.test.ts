import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, createPostgresDatabase, postgresAdminUrl, query, type TestDatabase } from './helpers.js';
import { ManualClock } from './support/manual-clock.js';
import { type ServerProcess, startServer } from './support/server-process.js';

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    const ms = performance.now() - started;
    if (done(value) || ms > timeoutMs) return { value, ms };
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** For a suite: two real server processes on one fresh PostgreSQL database, stopped and dropped after it. */
function useTwoInstances(env: Record<string, string>) {
  const instances = {} as { database: TestDatabase; a: ServerProcess; b: ServerProcess };
  beforeAll(async () => {
    instances.database = await createPostgresDatabase();
    const serverEnv = { ...env, DATABASE_URL: instances.database.url };
    [instances.a, instances.b] = await Promise.all([startServer(serverEnv), startServer(serverEnv)]);
  }, 60_000);
  afterAll(async () => {
    instances.a?.process.kill('SIGKILL');
    instances.b?.process.kill('SIGKILL');
    await instances.database?.drop();
  });
  return instances;
}

describe.skipIf(!postgresAdminUrl)('two instances on one PostgreSQL', () => {
  // Polling far slower than the 1 s promise: what arrives in time came through LISTEN/NOTIFY.
  const instances = useTwoInstances({ SNAPSHOT_POLL_MS: '60000' });

  const send = (server: ServerProcess, method: string, path: string, body?: object) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  const evaluate = async (server: ServerProcess, flag: string) => {
    const res = await send(server, 'GET', `/users/alice123/flags/${flag}`);
    return res.status === 200 ? ((await res.json()) as { enabled: boolean }).enabled : res.status;
  };

  it('a change in one environment reaches the other instance within a second; the other environment is untouched', async () => {
    const { a, b } = instances;
    const evaluateIn = async (server: ServerProcess, environment: string) => {
      const res = await send(
        server,
        'GET',
        `/projects/default/environments/${environment}/users/alice123/flags/staged`,
      );
      return res.status === 200 ? ((await res.json()) as { enabled: boolean }).enabled : res.status;
    };
    expect((await send(a, 'POST', '/flags', { flag_name: 'staged', status: true })).status).toBe(201);
    const copy = { key: 'staging', name: 'Staging', copy_from: 'production' };
    expect((await send(a, 'POST', '/projects/default/environments', copy)).status).toBe(201);
    const copied = await waitFor(
      () => evaluateIn(b, 'staging'),
      (v) => v === true,
      2000,
    );
    expect(copied.value).toBe(true);
    expect(copied.ms).toBeLessThan(1000);

    const off = await send(a, 'PATCH', '/projects/default/environments/staging/flags/staged', { status: false });
    expect(off.status).toBe(200);
    const changed = await waitFor(
      () => evaluateIn(b, 'staging'),
      (v) => v === false,
      2000,
    );
    expect(changed.value).toBe(false);
    expect(changed.ms).toBeLessThan(1000);
    for (const server of [a, b]) {
      expect(await evaluateIn(server, 'production')).toBe(true);
      expect(await evaluate(server, 'staged')).toBe(true);
    }
  });

  it('a change through one instance reaches a stream on the other within a second', async () => {
    const { a, b } = instances;
    expect((await send(a, 'POST', '/flags', { flag_name: 'streamed', status: true })).status).toBe(201);
    const controller = new AbortController();
    const res = await fetch(`${b.baseUrl}/stream`, { signal: controller.signal });
    expect(res.status).toBe(200);
    let received = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body!) received += decoder.decode(chunk as Uint8Array, { stream: true });
      } catch {
        // Aborted below.
      }
    })();
    await waitFor(
      async () => received,
      (text) => text.includes('event: revision'),
      2000,
    );
    const sent = performance.now();
    expect((await send(a, 'PUT', '/flags/streamed', { rollout_percentage: 5 })).status).toBe(200);
    const arrived = await waitFor(
      async () => received,
      (text) => text.includes('"flags":["streamed"]'),
      2000,
    );
    controller.abort();
    await reading;
    expect(arrived.value).toContain('event: change');
    expect(performance.now() - sent).toBeLessThan(1000);
  });

  it('a write through one instance is read through the other within a second', async () => {
    const { a, b } = instances;
    expect((await send(a, 'POST', '/flags', { flag_name: 'shared', status: true })).status).toBe(201);
    // The writer sees its own write at once.
    expect(await evaluate(a, 'shared')).toBe(true);
    const created = await waitFor(
      () => evaluate(b, 'shared'),
      (v) => v === true,
      2000,
    );
    expect(created.value).toBe(true);
    expect(created.ms).toBeLessThan(1000);

    expect((await send(a, 'PUT', '/flags/shared', { status: false })).status).toBe(200);
    const updated = await waitFor(
      () => evaluate(b, 'shared'),
      (v) => v === false,
      2000,
    );
    expect(updated.ms).toBeLessThan(1000);

    expect((await send(b, 'DELETE', '/flags/shared')).status).toBe(204);
    const deleted = await waitFor(
      () => evaluate(a, 'shared'),
      (v) => v === 404,
      2000,
    );
    expect(deleted.ms).toBeLessThan(1000);

    // Each read only the rows the other changed: neither read everything again after its start.
    for (const server of [a, b]) {
      const metrics = await (await send(server, 'GET', '/metrics')).text();
      const count = (name: string) => Number(new RegExp(`^feature_flags_${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
      expect(count('snapshot_reloads_total')).toBe(1);
      expect(count('snapshot_partial_reloads_total')).toBeGreaterThan(0);
    }
  });

  it('keeps receiving changes after its database connections were killed', async () => {
    const { a, b, database } = instances;
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [new URL(database.url).pathname.slice(1)],
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);

    // The listener reconnects within about a second; writes reconnect on their own.
    const write = await waitFor(
      () => send(a, 'POST', '/flags', { flag_name: 'after_kill', status: true }).then((r) => r.status),
      (s) => s === 201,
      5000,
    );
    expect(write.value).toBe(201);
    const seen = await waitFor(
      () => evaluate(b, 'after_kill'),
      (v) => v === true,
      5000,
    );
    expect(seen.value).toBe(true);
  });

  it('an API key created or revoked through one instance is accepted or refused, its streams closed, by the other within a second', async () => {
    const { a, b } = instances;
    // The first key (created while the service is open) locks both instances for callers without one.
    const adminKey = (
      (await (await send(a, 'POST', '/api-keys', { name: 'ops', scope: 'admin' })).json()) as { secret: string }
    ).secret;
    const locked = await waitFor(
      () => send(b, 'GET', '/users/alice123/flags').then((r) => r.status),
      (s) => s === 401,
      2000,
    );
    expect(locked.ms).toBeLessThan(1000);

    const withKey = (server: ServerProcess, key: string, method: string, path: string, body?: object) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const created = await withKey(a, adminKey, 'POST', '/api-keys', { name: 'checkout', scope: 'evaluate' });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    const evaluateWith = (server: ServerProcess) =>
      withKey(server, secret, 'GET', '/users/alice123/flags').then((r) => r.status);

    expect(await evaluateWith(a)).toBe(200);
    const accepted = await waitFor(
      () => evaluateWith(b),
      (s) => s === 200,
      2000,
    );
    expect(accepted.ms).toBeLessThan(1000);

    // A stream held on one instance ends when the key is revoked through the other.
    const stream = await withKey(a, secret, 'GET', '/stream');
    expect(stream.status).toBe(200);
    let ended = false;
    const reading = stream.text().then(() => (ended = true));

    expect((await withKey(b, adminKey, 'DELETE', `/api-keys/${id}`)).status).toBe(200);
    const closed = await waitFor(
      async () => ended,
      (done) => done,
      2000,
    );
    expect(closed.ms).toBeLessThan(1000);
    await reading;
    expect(await evaluateWith(b)).toBe(401);
    const refused = await waitFor(
      () => evaluateWith(a),
      (s) => s === 401,
      2000,
    );
    expect(refused.ms).toBeLessThan(1000);

    // Nothing about a key reaches the logs.
    for (const server of [a, b]) {
      expect(server.logs()).not.toContain(secret);
      expect(server.logs()).not.toContain(adminKey);
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

/**
 * For a suite: two apps in this process on one fresh PostgreSQL database, sharing a clock that stands
 * still until the suite moves it (the change feed between them is real).
 */
function useTwoAppsOnOneClock(env: Record<string, string> = {}) {
  const apps = { clock: new ManualClock() } as {
    clock: ManualClock;
    database: TestDatabase;
    a: FastifyInstance;
    b: FastifyInstance;
  };
  beforeAll(async () => {
    apps.database = await createPostgresDatabase();
    [apps.a, apps.b] = await Promise.all([
      buildTestApp(apps.database, env, apps.clock),
      buildTestApp(apps.database, env, apps.clock),
    ]);
  });
  afterAll(async () => {
    await Promise.all([apps.a?.close(), apps.b?.close()]);
    await apps.database?.drop();
  });
  return apps;
}

describe.skipIf(!postgresAdminUrl || !redisUrl)('two instances sharing rate-limit counters in Redis', () => {
  const ADMIN_API_KEY = 'rate-limit-admin-key-0123456789-0123456789abcdef';
  const apps = useTwoAppsOnOneClock({ REDIS_URL: redisUrl ?? '', ADMIN_API_KEY, RATE_LIMIT_EVALUATIONS: '6' });

  it('holds one limit across both instances', async () => {
    const { a, b } = apps;
    // A fresh key per run: its counters cannot collide with an earlier run's in the same Redis.
    const created = await a.inject({
      method: 'POST',
      url: '/api-keys',
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
      payload: { name: 'limited', scope: 'evaluate' },
    });
    const { secret } = created.json() as { secret: string };
    const evaluate = (app: FastifyInstance) =>
      app.inject({ method: 'GET', url: '/users/u/flags', headers: { 'x-api-key': secret } });
    // Until B has heard of the key it answers 401, which the limiter never counts: one request of 6 used.
    expect(
      (
        await waitFor(
          () => evaluate(b).then((r) => r.statusCode),
          (s) => s === 200,
          2000,
        )
      ).value,
    ).toBe(200);

    const statuses: number[] = [];
    for (const app of [a, b, a, b, a]) statuses.push((await evaluate(app)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    for (const app of [a, b]) {
      const refused = await evaluate(app);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(!postgresAdminUrl)('two instances and a scheduled change', () => {
  // Their checks for due changes, every 1,000 ms of the shared clock, fall due together and race.
  const apps = useTwoAppsOnOneClock();

  it('is followed by both at its time and written to the flag exactly once', async () => {
    const { a, b, clock, database } = apps;
    const post = (app: FastifyInstance, url: string, payload: object) => app.inject({ method: 'POST', url, payload });
    const enabledOn = async (app: FastifyInstance) => {
      const res = await app.inject({ method: 'GET', url: '/users/alice/flags/launch' });
      return res.statusCode === 200 ? (res.json().enabled as boolean) : res.statusCode;
    };
    expect((await post(a, '/flags', { flag_name: 'launch', status: false })).statusCode).toBe(201);
    const at = new Date(clock.now() + 500).toISOString();
    expect((await post(a, '/flags/launch/schedules', { at, set: { status: true } })).statusCode).toBe(201);
    // B hears of the new flag and its schedule through LISTEN/NOTIFY, which this clock does not drive.
    const revision = async (app: FastifyInstance) =>
      Number(/^feature_flags_snapshot_revision (\d+)$/m.exec((await app.inject('/metrics')).body)?.[1]);
    // pg returns a BIGINT as a string.
    const written = Number((await query(database, 'SELECT revision FROM config_revision'))[0].revision);
    expect(
      (
        await waitFor(
          () => revision(b),
          (seen) => seen === written,
          5000,
        )
      ).value,
    ).toBe(written);

    await clock.advance(499);
    expect([await enabledOn(a), await enabledOn(b)]).toEqual([false, false]);
    await clock.advance(1);
    expect([await enabledOn(a), await enabledOn(b)]).toEqual([true, true]);

    await clock.advance(500);
    const history = (await a.inject({ method: 'GET', url: '/flags/launch/history' })).json().entries as {
      action: string;
      at: string;
    }[];
    expect(history.filter((e) => e.action === 'schedule.applied')).toEqual([
      expect.objectContaining({ at: new Date(clock.now()).toISOString() }),
    ]);
    expect([await enabledOn(a), await enabledOn(b)]).toEqual([true, true]);
  });
});
