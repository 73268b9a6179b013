import { webhookAnnouncement } from '../../src/areas/webhooks/webhook-announcement.js';
import { describe, expect, it } from 'vitest';
import { silentChangeFeed } from '../../src/db/change-feed.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { ApiKeyRing } from '../../src/read-model/api-key-ring.js';
import { systemClock } from '../../src/support/clock.js';
import { ConfigSnapshot } from '../../src/read-model/config-snapshot.js';
import { ConfigSync } from '../../src/read-model/config-sync.js';
import { backends, query, type TestDatabase } from '../helpers.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const quiet = { info: () => undefined, warn: () => undefined };

/** Another instance's view: its own connection and sync, with no change feed or poll, so it reads only when told to. */
async function instance(db: Database) {
  const snapshot = new ConfigSnapshot(systemClock);
  const keyRing = new ApiKeyRing();
  const sync = new ConfigSync(db.config, snapshot, keyRing, silentChangeFeed, 3_600_000, quiet, systemClock);
  await sync.start();
  return { snapshot, keyRing, sync };
}

type Instance = Awaited<ReturnType<typeof instance>>;

/** Everything an instance holds, comparable with another's: the keys as the ring answers for each stored one. */
async function held({ snapshot, keyRing }: Instance, database: TestDatabase) {
  const storedKeys = await query(database, 'SELECT id, secret_hash FROM api_keys ORDER BY id');
  return {
    revision: snapshot.revision,
    projects: snapshot.allProjects().map((p) => ({
      project: p.project,
      environments: p.environments,
      segments: p.allSegments(),
      definitions: p.allDefinitions(),
    })),
    environments: [...snapshot.allEnvironments()]
      .sort((a, b) => a.environment.id - b.environment.id)
      .map((view) => ({
        environment: view.environment.key,
        flags: view.all(),
        schedules: view.dueSchedules(Number.MAX_SAFE_INTEGER),
        experiments: view.allExperiments(),
      })),
    keys: storedKeys.map(({ id, secret_hash }) => ({
      id,
      active: keyRing.findActiveByHash(String(secret_hash))?.id ?? null,
    })),
    anyKeyEverCreated: keyRing.anyKeyEverCreated,
  };
}

/** What an instance starting now would hold: one full load. */
async function fullyLoaded(db: Database, database: TestDatabase) {
  const fresh = await instance(db);
  await fresh.sync.stop();
  return held(fresh, database);
}

describe.each(backends)('an instance behind the database, on $name', (backend) => {
  const testApp = useTestAppAndDatabase(backend);

  it.skipIf(!backend.available)(
    'reads only the rows changed since, and ends where a full load does, whatever changed them',
    async () => {
      const [writer, database] = [testApp.app(), testApp.database()];
      const db = await openDatabase(database.provider, database.url, {
        now: Date.now,
        announcement: webhookAnnouncement,
      });
      const other = await instance(db);
      let authorization = '';
      const write = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
        const res = await writer.inject({ method, url, payload, headers: authorization ? { authorization } : {} });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
        return res.statusCode === 204 ? undefined : res.json();
      };
      const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

      const steps: [string, () => Promise<unknown>][] = [
        [
          'a segment created',
          () =>
            write('POST', '/segments', {
              name: 'beta',
              user_ids: ['qa-1'],
              conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
            }),
        ],
        [
          'a flag created with variants, a rule on the segment and an override',
          () =>
            write('POST', '/flags', {
              flag_name: 'checkout',
              status: true,
              rollout_percentage: 30,
              variants: [
                { key: 'a', weight: 50 },
                { key: 'b', weight: 50, payload: { color: 'blue' } },
              ],
              rules: [{ segment: 'beta', rollout_percentage: 100 }],
              overrides: [{ user_id: 'qa-2', enabled: false }],
            }),
        ],
        [
          'two flags created, one requiring the other',
          () =>
            write('POST', '/flags', { flag_name: 'banner' }).then(() =>
              write('POST', '/flags', { flag_name: 'old', prerequisites: [{ flag: 'banner' }] }),
            ),
        ],
        ['a flag updated', () => write('PUT', '/flags/checkout', { rollout_percentage: 45.5 })],
        ['a segment updated', () => write('PUT', '/segments/beta', { user_ids: ['qa-1', 'qa-3'] })],
        [
          'a schedule created',
          () => write('POST', '/flags/banner/schedules', { at: inAnHour(), set: { status: true } }),
        ],
        [
          'a schedule created and cancelled',
          async () => {
            const { id } = (await write('POST', '/flags/banner/schedules', {
              at: inAnHour(),
              set: { rollout_percentage: 5 },
            })) as { id: string };
            await write('DELETE', `/flags/banner/schedules/${id}`);
          },
        ],
        [
          'a flag with a schedule deleted',
          () =>
            write('POST', '/flags/old/schedules', { at: inAnHour(), set: { status: true } }).then(() =>
              write('DELETE', '/flags/old'),
            ),
        ],
        [
          'a rule dropped and its segment deleted',
          () => write('PUT', '/flags/checkout', { rules: [] }).then(() => write('DELETE', '/segments/beta')),
        ],
        [
          'an admin key created, then an evaluation key created and revoked',
          async () => {
            const { secret } = (await write('POST', '/api-keys', { name: 'ops', scope: 'admin' })) as {
              secret: string;
            };
            authorization = `Bearer ${secret}`;
            const { id } = (await write('POST', '/api-keys', { name: 'web', scope: 'evaluate' })) as { id: string };
            await write('DELETE', `/api-keys/${id}`);
            await write('POST', '/api-keys', { name: 'app', scope: 'evaluate' });
          },
        ],
        [
          'a project created, and an environment copied from another',
          () =>
            write('POST', '/projects', { key: 'shop', name: 'Shop' }).then(() =>
              write('POST', '/projects/default/environments', {
                key: 'staging',
                name: 'Staging',
                position: 1,
                copy_from: 'production',
              }),
            ),
        ],
        [
          'a flag changed in staging, then promoted to production',
          () =>
            write('PATCH', '/projects/default/environments/staging/flags/checkout', { rollout_percentage: 80 }).then(
              () => write('POST', '/projects/default/flags/checkout/promote', { from: 'staging', to: 'production' }),
            ),
        ],
        ['a definition changed', () => write('PATCH', '/projects/default/flags/banner', { tags: ['team:web'] })],
        [
          'an environment deleted',
          () => write('DELETE', '/projects/default/environments/development?confirm=development'),
        ],
        [
          'every flag switched on by hand, in one statement',
          () => query(database, 'UPDATE flag_configs SET status = true'),
        ],
        [
          'a flag renamed by hand',
          () => query(database, "UPDATE flags SET flag_name = 'hero' WHERE flag_name = 'banner'"),
        ],
      ];
      try {
        // Asked while current (a poll and a change notice can both ask): it reads nothing more.
        await other.sync.refresh();
        expect([other.sync.reloads, other.sync.partialReloads]).toEqual([1, 0]);
        for (const [what, change] of steps) {
          await change();
          await other.sync.refresh();
          expect(await held(other, database), what).toEqual(await fullyLoaded(db, database));
        }
        // After its start, the instance never read everything again.
        expect(other.sync.reloads).toBe(1);
        expect(other.sync.partialReloads).toBe(steps.length);
        const production = other.snapshot.environment(2)!;
        expect(production.find('hero')?.status).toBe(true);
        expect(production.find('banner')).toBeUndefined();
        expect(production.find('checkout')?.rolloutBasisPoints).toBe(8000);
      } finally {
        await other.sync.stop();
        await db.close();
      }
    },
  );

  it.skipIf(!backend.available)(
    'reads everything when the log of changes does not reach back to its revision',
    async () => {
      const database = testApp.database();
      const db = await openDatabase(database.provider, database.url, {
        now: Date.now,
        announcement: webhookAnnouncement,
      });
      const other = await instance(db);
      try {
        // A change the instance misses, and its record with it, emptied by hand: the log begins after a gap.
        const addFlag = async (name: string) => {
          await query(
            database,
            `INSERT INTO flags (project_id, flag_name, updated_at) VALUES (1, '${name}', CURRENT_TIMESTAMP)`,
          );
          await query(
            database,
            'INSERT INTO flag_configs (flag_id, environment_id, updated_at) ' +
              `SELECT id, 2, CURRENT_TIMESTAMP FROM flags WHERE flag_name = '${name}'`,
          );
        };
        await addFlag('missed');
        await query(database, 'DELETE FROM config_changes');
        await addFlag('after_gap');
        await other.sync.refresh();
        expect(other.sync.reloads).toBe(2);
        expect(other.snapshot.environment(2)!.find('missed')).toBeDefined();
        expect(await held(other, database)).toEqual(await fullyLoaded(db, database));

        // More changes than the log keeps: it keeps the last 1,000.
        const manyFlags =
          database.provider === 'postgresql'
            ? "INSERT INTO flags (project_id, flag_name, updated_at) SELECT 1, 'bulk_' || g, now() " +
              'FROM generate_series(1, 1200) g'
            : 'WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1200) INSERT INTO flags ' +
              "(project_id, flag_name, updated_at) SELECT 1, 'bulk_' || n, CURRENT_TIMESTAMP FROM g";
        await query(database, manyFlags);
        await query(
          database,
          // Both environments: 2,400 configurations, more than a full load reads at once.
          'INSERT INTO flag_configs (flag_id, environment_id, updated_at) ' +
            'SELECT f.id, e.id, CURRENT_TIMESTAMP FROM flags f JOIN environments e ON e.project_id = f.project_id ' +
            "WHERE f.flag_name LIKE 'bulk_%'",
        );
        expect(Number((await query(database, 'SELECT count(*) AS n FROM config_changes'))[0].n)).toBe(1000);
        await other.sync.refresh();
        expect(other.sync.reloads).toBe(3);
        const environments = other.snapshot.project('default')!.environments;
        expect(environments.length).toBeGreaterThanOrEqual(2);
        for (const { id } of environments) {
          const bulk = other.snapshot
            .environment(id)!
            .all()
            .filter((f) => f.name.startsWith('bulk_'));
          expect(bulk).toHaveLength(1200);
        }
        expect(await held(other, database)).toEqual(await fullyLoaded(db, database));
        expect(other.sync.partialReloads).toBe(0);
      } finally {
        await other.sync.stop();
        await db.close();
      }
    },
  );
});
