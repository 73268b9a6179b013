import { describe, expect, it } from 'vitest';
import { backends, postgresAdminUrl, query } from '../helpers.js';
import { useTestApp, useTestAppAndDatabase } from '../support/test-app.js';

const [, postgresql] = backends;

/**
 * Writes that are each valid alone but not together, sent at the same moment: the checks between
 * flags and segments must see each other's committed writes, not this process's snapshot of before.
 * Each race is run many times, since which write gets in first varies.
 */
describe.each(backends)('concurrent writes on $name', (backend) => {
  const app = useTestApp(backend, { env: { RATE_LIMIT_WRITES: '0' } });
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app().inject({ method, url, payload });
  const ROUNDS = 15;

  describe.skipIf(!backend.available)('', () => {
    it('never store a prerequisite cycle: of two flags made to require each other at once, one is refused', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [f, g] = [`cycle_f${round}`, `cycle_g${round}`];
        await inject('POST', '/flags', { flag_name: f, status: true });
        await inject('POST', '/flags', { flag_name: g, status: true });
        const statuses = (
          await Promise.all([
            inject('PUT', `/flags/${f}`, { prerequisites: [{ flag: g }] }),
            inject('PUT', `/flags/${g}`, { prerequisites: [{ flag: f }] }),
          ])
        ).map((r) => r.statusCode);
        expect(statuses.sort()).toEqual([200, 409]);
        const stored = await Promise.all(
          [f, g].map(async (name) => (await inject('GET', `/flags/${name}`)).json().prerequisites.length),
        );
        expect(stored.sort()).toEqual([0, 1]);
      }
    });

    it('never leave a rule naming a segment deleted at the same time', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [segment, flag] = [`gone_s${round}`, `gone_f${round}`];
        await inject('POST', '/segments', { name: segment, user_ids: ['u1'] });
        await inject('POST', '/flags', { flag_name: flag, status: true });
        const [deleted, updated] = await Promise.all([
          inject('DELETE', `/segments/${segment}`),
          inject('PUT', `/flags/${flag}`, { rules: [{ segment }] }),
        ]);
        // Either the rule came first and the segment stays in use, or the deletion did and the rule is refused.
        expect([deleted.statusCode, updated.statusCode]).toContainEqual(deleted.statusCode === 204 ? 400 : 200);
        const rules = (await inject('GET', `/flags/${flag}`)).json().rules;
        const segmentExists = (await inject('GET', `/segments/${segment}`)).statusCode === 200;
        expect(rules.length === 0 || segmentExists).toBe(true);
      }
    });

    it('never leave a flag requiring a flag deleted at the same time', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [required, dependent] = [`req_r${round}`, `req_d${round}`];
        await inject('POST', '/flags', { flag_name: required, status: true });
        await inject('POST', '/flags', { flag_name: dependent, status: true });
        await Promise.all([
          inject('DELETE', `/flags/${required}`),
          inject('PUT', `/flags/${dependent}`, { prerequisites: [{ flag: required }] }),
        ]);
        const prerequisites = (await inject('GET', `/flags/${dependent}`)).json().prerequisites;
        const requiredExists = (await inject('GET', `/flags/${required}`)).statusCode === 200;
        expect(prerequisites.length === 0 || requiredExists).toBe(true);
      }
    });

    it('never leave a flag requiring a variant removed at the same time', async () => {
      const variants = [
        { key: 'a', weight: 50 },
        { key: 'b', weight: 50 },
      ];
      for (let round = 0; round < ROUNDS; round++) {
        const [required, dependent] = [`var_r${round}`, `var_d${round}`];
        await inject('POST', '/flags', { flag_name: required, status: true, variants });
        await inject('POST', '/flags', { flag_name: dependent, status: true });
        await Promise.all([
          inject('PUT', `/flags/${required}`, { variants: [{ key: 'a', weight: 100 }] }),
          inject('PUT', `/flags/${dependent}`, { prerequisites: [{ flag: required, variant: 'b' }] }),
        ]);
        const prerequisites = (await inject('GET', `/flags/${dependent}`)).json().prerequisites;
        const keys = (await inject('GET', `/flags/${required}`)).json().variants.map((v: { key: string }) => v.key);
        expect(prerequisites.length === 0 || keys.includes('b')).toBe(true);
      }
    });
  });
});

describe.skipIf(!postgresAdminUrl)('PostgreSQL: concurrent writes of every kind', () => {
  // The scheduler writes due changes every 50 ms.
  const testApp = useTestApp(postgresql, { env: { SNAPSHOT_POLL_MS: '50' } });

  it('never deadlock: scheduled changes applied while their flags are updated and deleted, and schedules cancelled', async () => {
    const app = testApp();
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const inject = async (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
      const res = await app.inject({ method, url, payload });
      count(res.statusCode);
      return res;
    };
    const flags = ['f0', 'f1', 'f2'];
    for (const flag of flags) await inject('POST', '/flags', { flag_name: flag });
    const until = Date.now() + 3000;
    const worker = async (id: number) => {
      for (let i = 0; Date.now() < until; i++) {
        const flag = flags[(id + i) % flags.length];
        const scheduled = await inject('POST', `/flags/${flag}/schedules`, {
          at: new Date(Date.now() + 60 + ((id * 13 + i * 7) % 80)).toISOString(),
          set: { rollout_percentage: i % 100 },
        });
        await inject('PUT', `/flags/${flag}`, { status: i % 2 === 0 });
        if (i % 4 === 1 && scheduled.statusCode === 201)
          await inject('DELETE', `/flags/${flag}/schedules/${scheduled.json().id}`);
        if (i % 10 === 9) {
          await inject('DELETE', `/flags/${flag}`);
          await inject('POST', '/flags', { flag_name: flag });
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, id) => worker(id)));
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThan(50);
  }, 30_000);
});

describe.each(backends)('the snapshot after this instance’s own flag writes, on $name', (backend) => {
  // No poll in this test's time: only the writes themselves can move the snapshot's revision.
  const testApp = useTestAppAndDatabase(backend, { env: { SNAPSHOT_POLL_MS: '600000' } });

  it.skipIf(!backend.available)(
    'is current at the database’s revision at once, so neither the change feed nor the poll reloads it',
    async () => {
      const [app, database] = [testApp.app(), testApp.database()];
      const databaseRevision = async () =>
        Number((await query(database, 'SELECT revision FROM config_revision'))[0].revision);
      const metric = async (name: string) => {
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        return Number(new RegExp(`^feature_flags_${name} (\\d+)$`, 'm').exec(metrics)![1]);
      };
      const reloadsAtStart = await metric('snapshot_reloads_total');
      const writes: [string, 'POST' | 'PUT' | 'DELETE', string, object?][] = [
        ['create', 'POST', '/flags', { flag_name: 'own', status: true }],
        ['update', 'PUT', '/flags/own', { rollout_percentage: 10 }],
        ['update with references', 'PUT', '/flags/own', { overrides: [{ user_id: 'u1', enabled: false }] }],
        ['delete', 'DELETE', '/flags/own'],
      ];
      for (const [what, method, url, payload] of writes) {
        const before = await databaseRevision();
        expect((await app.inject({ method, url, payload })).statusCode, what).toBeLessThan(300);
        const after = await databaseRevision();
        expect(after, what).toBeGreaterThan(before);
        expect(await metric('snapshot_revision'), what).toBe(after);
      }
      // PostgreSQL announced each write, with a revision the snapshot already held.
      await new Promise((r) => setTimeout(r, 200));
      expect(await metric('snapshot_reloads_total')).toBe(reloadsAtStart);
    },
  );
});

describe.each(backends)('a burst of 1,000 concurrent writes to one flag, on $name', (backend) => {
  const app = useTestApp(backend, {
    env: { RATE_LIMIT_WRITES: '0' },
    seed: async (app) => void (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'hot' } })),
  });

  it.skipIf(!backend.available)(
    'is written in full, one after the other, with none refused (PostgreSQL ran its pool dry: 627 × 503)',
    async () => {
      const responses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          app().inject({ method: 'PUT', url: '/flags/hot', payload: { rollout_percentage: i % 100 } }),
        ),
      );
      const statuses = new Map<number, number>();
      for (const res of responses) statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(Object.fromEntries(statuses)).toEqual({ 200: 1000 });
      const history = (await app().inject({ method: 'GET', url: '/audit?flag_name=hot&limit=200' })).json();
      expect(history.entries).toHaveLength(200);
    },
    60_000,
  );
});
