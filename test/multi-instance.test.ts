import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from './helpers.js';
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

  it('an API key created or revoked through one instance is accepted or refused by the other within a second', async () => {
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

    expect((await withKey(b, adminKey, 'DELETE', `/api-keys/${id}`)).status).toBe(200);
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

describe.skipIf(!postgresAdminUrl || !redisUrl)('two instances sharing rate-limit counters in Redis', () => {
  const ADMIN_API_KEY = 'rate-limit-admin-key-0123456789';
  const instances = useTwoInstances({ REDIS_URL: redisUrl ?? '', ADMIN_API_KEY, RATE_LIMIT_EVALUATIONS: '6' });

  it('holds one limit across both instances', async () => {
    const { a, b } = instances;
    // A fresh key per run: its counters cannot collide with an earlier run's in the same Redis.
    const created = await fetch(`${a.baseUrl}/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_API_KEY}` },
      body: JSON.stringify({ name: 'limited', scope: 'evaluate' }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const evaluate = (server: ServerProcess) =>
      fetch(`${server.baseUrl}/users/u/flags`, { headers: { 'x-api-key': secret } });
    // Until B has heard of the key it answers 401, which the limiter never counts: one request of 6 used.
    expect(
      (
        await waitFor(
          () => evaluate(b).then((r) => r.status),
          (s) => s === 200,
          2000,
        )
      ).value,
    ).toBe(200);

    const statuses: number[] = [];
    for (const server of [a, b, a, b, a]) statuses.push((await evaluate(server)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    for (const server of [a, b]) {
      const refused = await evaluate(server);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(!postgresAdminUrl)('two instances and a scheduled change', () => {
  // Both check for due changes every 100 ms, so both race to write it.
  const instances = useTwoInstances({ SNAPSHOT_POLL_MS: '100' });

  it('is followed by both at its time and written to the flag exactly once', async () => {
    const { a, b } = instances;
    const post = (server: ServerProcess, path: string, body: object) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(a, '/flags', { flag_name: 'launch', status: false })).status).toBe(201);
    const at = Date.now() + 1000;
    expect(
      (await post(a, '/flags/launch/schedules', { at: new Date(at).toISOString(), set: { status: true } })).status,
    ).toBe(201);
    const enabledOn = async (server: ServerProcess) =>
      ((await (await fetch(`${server.baseUrl}/users/alice/flags/launch`)).json()) as { enabled: boolean }).enabled;

    // B hears of the new flag within a second; until then it answers 404, not "off".
    expect(
      (
        await waitFor(
          () => enabledOn(b),
          (on) => on !== undefined,
          1000,
        )
      ).value,
    ).toBe(false);
    const switched = await waitFor(
      () => enabledOn(b),
      (on) => on,
      3000,
    );
    expect(switched.value).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(at);
    expect(Date.now() - at).toBeLessThan(1000);

    await new Promise((r) => setTimeout(r, 1500));
    const history = (await (await fetch(`${a.baseUrl}/flags/launch/history`)).json()) as {
      entries: { action: string }[];
    };
    expect(history.entries.filter((e) => e.action === 'schedule.applied')).toHaveLength(1);
    expect(await enabledOn(a)).toBe(true);
  });
});
