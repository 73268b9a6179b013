import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, buildTestApp, query, type TestDatabase } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp } from '../support/test-app.js';

const ADMIN_ENV_KEY = 'env-admin-key-0123456789-0123456789abcdef';

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: object;
  /** What an allowed caller gets, when not 200. */
  status?: number;
}

// Every route that needs a key, with a request that succeeds for an admin (flags "seeded" and "doomed" exist).
const evaluationRoutes: Route[] = [
  { method: 'GET', url: '/users/alice/flags' },
  { method: 'GET', url: '/users/alice/flags/seeded' },
  // Applications send their conversions with the key they evaluate with.
  {
    method: 'POST',
    url: '/events',
    payload: { events: [{ type: 'track', event: 'signup', user_id: 'alice' }] },
    status: 202,
  },
];
const adminRoutes: Route[] = [
  { method: 'GET', url: '/flags' },
  { method: 'GET', url: '/flags/seeded' },
  { method: 'POST', url: '/flags', payload: { flag_name: 'created_by_test' } },
  { method: 'PUT', url: '/flags/seeded', payload: { rollout_percentage: 50 } },
  { method: 'DELETE', url: '/flags/doomed' },
  { method: 'GET', url: '/flags/seeded/history' },
  { method: 'GET', url: '/audit' },
  { method: 'GET', url: '/experiments' },
  { method: 'GET', url: '/events/export' },
  { method: 'GET', url: '/api-keys' },
  { method: 'POST', url: '/api-keys', payload: { name: 'made-by-test', scope: 'evaluate' } },
  { method: 'DELETE', url: '/api-keys/00000000-0000-4000-8000-000000000000' },
];
// /metrics needs METRICS_TOKEN or an admin key once keys are in use (test/api/operations.test.ts).
const publicRoutes = ['/health', '/health/live', '/docs/json', '/docs/', '/redoc', '/favicon.ico'];

describe.each(backends)('API keys on $name', ({ create, available }) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  const keys = { admin: '', evaluate: '', revoked: '' };
  const call = (route: Route, key?: string, header: 'authorization' | 'x-api-key' = 'authorization') =>
    app.inject({
      method: route.method,
      url: route.url,
      payload: route.payload,
      headers: key === undefined ? {} : { [header]: header === 'authorization' ? `Bearer ${key}` : key },
    });

  beforeAll(async () => {
    if (!available) return;
    database = await create();
    app = await buildTestApp(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  describe.skipIf(!available)('', () => {
    it('stays open while no key exists, and says so on /health', async () => {
      expect((await app.inject({ method: 'GET', url: '/health' })).json().auth).toBe('disabled');
      expect(
        (await call({ method: 'POST', url: '/flags', payload: { flag_name: 'seeded', status: true } })).statusCode,
      ).toBe(201);
      expect((await call({ method: 'POST', url: '/flags', payload: { flag_name: 'doomed' } })).statusCode).toBe(201);
    });

    it('creates keys whose secret is shown once, with a recognisable prefix', async () => {
      const created = await call({ method: 'POST', url: '/api-keys', payload: { name: 'ops', scope: 'admin' } });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toMatchObject({ name: 'ops', scope: 'admin', revoked_at: null });
      expect(body.secret).toMatch(/^ffs_[A-Za-z0-9_-]{43}$/);
      expect(body.secret.startsWith(body.prefix)).toBe(true);
      keys.admin = body.secret;

      // From now on every protected route needs a key.
      expect((await app.inject({ method: 'GET', url: '/health' })).json().auth).toBe('enabled');
      expect((await call({ method: 'GET', url: '/flags' })).statusCode).toBe(401);

      for (const [name, scope] of [
        ['checkout', 'evaluate'],
        ['old', 'evaluate'],
      ] as const) {
        const res = await call({ method: 'POST', url: '/api-keys', payload: { name, scope } }, keys.admin);
        expect(res.statusCode).toBe(201);
        if (name === 'checkout') keys.evaluate = res.json().secret;
        else keys.revoked = res.json().secret;
      }
      const listed = await call({ method: 'GET', url: '/api-keys' }, keys.admin);
      expect(listed.json().map((k: { name: string }) => k.name)).toEqual(['ops', 'checkout', 'old']);
      for (const secret of Object.values(keys)) expect(listed.body).not.toContain(secret);
      expect(listed.body).not.toMatch(/secret|hash/);
    });

    it('stores only SHA-256 hashes of the secrets', async () => {
      const rows = await query(database, 'SELECT * FROM api_keys');
      expect(rows).toHaveLength(3);
      const stored = JSON.stringify(rows);
      for (const secret of Object.values(keys)) {
        expect(stored).not.toContain(secret);
        expect(rows.map((r) => r.secret_hash)).toContain(createHash('sha256').update(secret).digest('hex'));
      }
    });

    it('revokes a key at once', async () => {
      const old = (await call({ method: 'GET', url: '/api-keys' }, keys.admin))
        .json()
        .find((k: { name: string }) => k.name === 'old');
      expect((await call({ method: 'GET', url: '/users/alice/flags' }, keys.revoked)).statusCode).toBe(200);
      const revoked = await call({ method: 'DELETE', url: `/api-keys/${old.id}` }, keys.admin);
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().revoked_at).not.toBeNull();
      expect((await call({ method: 'GET', url: '/users/alice/flags' }, keys.revoked)).statusCode).toBe(401);
      expect((await call({ method: 'DELETE', url: `/api-keys/${old.id}` }, keys.admin)).statusCode).toBe(404);
    });

    it.each(adminRoutes)(
      '$method $url: 401 without a key, with an unknown or revoked key; 403 for an evaluate key',
      async (route) => {
        for (const key of [undefined, 'ffs_not-a-real-key', keys.revoked]) {
          const res = await call(route, key);
          expect(res.statusCode).toBe(401);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
          expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
        }
        const forbidden = await call(route, keys.evaluate);
        expect(forbidden.statusCode).toBe(403);
        expect(forbidden.json()).toMatchObject({ status: 403, title: 'Forbidden' });
      },
    );

    it.each(evaluationRoutes)(
      '$method $url: 401 without a valid key; evaluate and admin keys both work, by either header',
      async (route) => {
        for (const key of [undefined, 'ffs_not-a-real-key', keys.revoked])
          expect((await call(route, key)).statusCode).toBe(401);
        expect((await call(route, keys.evaluate)).statusCode).toBe(route.status ?? 200);
        expect((await call(route, keys.evaluate, 'x-api-key')).statusCode).toBe(route.status ?? 200);
        expect((await call(route, keys.admin)).statusCode).toBe(route.status ?? 200);
      },
    );

    it.each(adminRoutes)('$method $url: works with an admin key', async (route) => {
      const res = await call(route, keys.admin);
      // The unknown key id is the one admin request that must be a 404.
      expect(res.statusCode, res.body).toBe(
        route.url.startsWith('/api-keys/')
          ? 404
          : route.method === 'POST'
            ? 201
            : route.method === 'DELETE'
              ? 204
              : 200,
      );
    });

    it.each(publicRoutes)('%s needs no key', async (url) => {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    });

    it('refuses to revoke the last admin key when ADMIN_API_KEY is not set', async () => {
      const ops = (await call({ method: 'GET', url: '/api-keys' }, keys.admin))
        .json()
        .find((k: { name: string }) => k.name === 'ops');
      const res = await call({ method: 'DELETE', url: `/api-keys/${ops.id}` }, keys.admin);
      expect(res.statusCode).toBe(409);
      expect((await call({ method: 'GET', url: '/flags' }, keys.admin)).statusCode).toBe(200);
    });

    it('validates key requests and changes nothing when they are invalid', async () => {
      const count = async () => Number((await query(database, 'SELECT COUNT(*) AS n FROM api_keys'))[0].n);
      const before = await count();
      for (const payload of [
        { name: 'x', scope: 'root' },
        { scope: 'admin' },
        { name: '', scope: 'admin' },
        { name: 'a\u0000b', scope: 'admin' },
        { name: 'x', scope: 'admin', secret: 'mine' },
      ]) {
        expect((await call({ method: 'POST', url: '/api-keys', payload }, keys.admin)).statusCode).toBe(400);
      }
      expect((await call({ method: 'DELETE', url: '/api-keys/not-a-uuid' }, keys.admin)).statusCode).toBe(400);
      expect(await count()).toBe(before);
    });
  });
});

describe('ADMIN_API_KEY from the environment', () => {
  const testApp = useTestApp(backends[0], { env: { ADMIN_API_KEY: ADMIN_ENV_KEY } });
  let app: FastifyInstance;
  beforeAll(() => {
    app = testApp();
  });

  it('turns authentication on before any key exists, and acts as an admin key', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json().auth).toBe('enabled');
    expect((await app.inject({ method: 'GET', url: '/flags' })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: '/flags', headers: { authorization: 'Bearer wrong-key-0123456789' } }))
        .statusCode,
    ).toBe(401);
    const headers = { authorization: `Bearer ${ADMIN_ENV_KEY}` };
    expect(
      (await app.inject({ method: 'POST', url: '/flags', headers, payload: { flag_name: 'by_env' } })).statusCode,
    ).toBe(201);
    const history = (await app.inject({ method: 'GET', url: '/flags/by_env/history', headers })).json();
    expect(history.entries[0].actor).toEqual({
      key_id: null,
      name: 'ADMIN_API_KEY',
      account_id: null,
      signed_in_by: 'admin_api_key',
    });
  });

  it('lets the only stored admin key be revoked, since ADMIN_API_KEY remains', async () => {
    const headers = { 'x-api-key': ADMIN_ENV_KEY };
    const created = (
      await app.inject({ method: 'POST', url: '/api-keys', headers, payload: { name: 'temp', scope: 'admin' } })
    ).json();
    expect((await app.inject({ method: 'DELETE', url: `/api-keys/${created.id}`, headers })).statusCode).toBe(200);
  });
});

describe.each(backends)('revoking the last two admin keys at once, on $name', (backend) => {
  // PostgreSQL: two instances on one database. SQLite serves one instance per file, and two in one
  // process would block each other's event loop in SQLite's busy wait: one instance, two requests.
  const instances = backend.name === 'postgresql' ? 2 : 1;
  // One clock for both; moving it makes each poll the other's writes.
  const clock = new ManualClock();
  let database: TestDatabase | undefined;
  let apps: FastifyInstance[] = [];
  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    const built = await Promise.all(Array.from({ length: instances }, () => buildTestApp(database!, {}, clock)));
    apps = [built[0], built.at(-1)!];
  });
  afterAll(async () => {
    await Promise.all([...new Set(apps)].map((app) => app.close()));
    await database?.drop();
  });

  it.skipIf(!backend.available)('lets one through and refuses the other (409), every time', async () => {
    const [one, other] = apps;
    const create = async (name: string, secret?: string) => {
      const headers = secret === undefined ? {} : { authorization: `Bearer ${secret}` };
      const res = await one.inject({ method: 'POST', url: '/api-keys', headers, payload: { name, scope: 'admin' } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; secret: string };
    };
    // The first key turns authentication on; from then on, admin keys make admin keys.
    let survivor = await create('first');
    for (let round = 0; round < 5; round++) {
      const second = await create(`second-${round}`, survivor.secret);
      await clock.advance(1000);
      // Each instance revokes the key the other one's caller holds.
      const [a, b] = await Promise.all([
        one.inject({
          method: 'DELETE',
          url: `/api-keys/${survivor.id}`,
          headers: { authorization: `Bearer ${second.secret}` },
        }),
        other.inject({
          method: 'DELETE',
          url: `/api-keys/${second.id}`,
          headers: { authorization: `Bearer ${survivor.secret}` },
        }),
      ]);
      expect([a.statusCode, b.statusCode].sort(), `round ${round}`).toEqual([200, 409]);
      survivor = a.statusCode === 200 ? second : survivor;
      await clock.advance(1000);
      for (const app of apps) {
        const listed = await app.inject({
          method: 'GET',
          url: '/flags',
          headers: { authorization: `Bearer ${survivor.secret}` },
        });
        expect(listed.statusCode, `round ${round}`).toBe(200);
      }
    }
    const active = await query(database!, 'SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
    expect(Number(active[0].n)).toBe(1);
  });
});
