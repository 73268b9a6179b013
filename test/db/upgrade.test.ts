import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, buildTestApp, type TestDatabase } from '../helpers.js';
import { root, type ServerProcess, startServer } from '../support/server-process.js';

/**
 * The release before a migration, from this repository's own history: the commit before the one that
 * added it. Its code runs beside this one, on the same packages, with its own Prisma client generated
 * from its own schema.
 */
function versionBefore(migration: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const added = git('log', '--format=%H', '-1', '--diff-filter=A', '--', `prisma/sqlite/migrations/${migration}`);
  const dir = mkdtempSync(join(tmpdir(), 'flags-previous-'));
  execFileSync('sh', ['-c', `git archive ${added}^ | tar -x -C "${dir}"`], { cwd: root });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const bin = join(root, 'node_modules', '.bin');
  execFileSync('node', ['prisma/generate.mjs'], {
    cwd: dir,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    stdio: 'ignore',
  });
  mkdirSync(join(dir, 'data'), { recursive: true });
  return dir;
}

type Answer = Record<string, unknown> & { secret: string; id: string; entries: unknown[] };

/**
 * For a suite: the release before `migration`, checked out beside this one before it and removed
 * after. `start` serves a fresh database of the backend with it, and gives a caller that expects
 * success and a graceful stop (so what it buffers, exposures, is written).
 */
function usePreviousRelease(migration: string, backend: { create(): Promise<TestDatabase> }) {
  let dir = '';
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  beforeAll(() => {
    dir = versionBefore(migration);
  }, 60_000);
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return async function start() {
    database = await backend.create();
    const running = await startServer(
      { DATABASE_URL: database.url, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_WRITES: '0' },
      { command: [join(root, 'node_modules', '.bin', 'tsx'), 'src/server.ts'], cwd: dir },
    );
    server = running;
    const call = async (method: string, path: string, body?: unknown, key = ADMIN_KEY): Promise<Answer> => {
      const res = await fetch(`${running.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return res.status === 204 ? ({} as Answer) : ((await res.json()) as Answer);
    };
    const stop = async () => {
      running.process.kill('SIGTERM');
      await new Promise((resolve) => running.process.once('exit', resolve));
      server = undefined;
    };
    return { database, call, stop };
  };
}

const ADMIN_KEY = 'upgrade-test-admin-key-0123456789abcdef';
const USERS = Array.from({ length: 40 }, (_, i) => `user-${i}`);

describe.each(backends)('upgrading a database filled by the previous version, on $name', (backend) => {
  const startPrevious = usePreviousRelease('20261204000000_projects_environments', backend);

  it.skipIf(!backend.available)(
    'keeps every flag, segment, schedule, key, experiment and audit entry, and gives the same answers',
    async () => {
      // What the old version answered; its shapes are what the new version must give back.
      const { database, call, stop } = await startPrevious();
      await call('POST', '/segments', {
        name: 'beta',
        user_ids: ['user-1'],
        conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
      });
      await call('POST', '/flags', { flag_name: 'banner', status: true, rollout_percentage: 50 });
      await call('POST', '/flags', {
        flag_name: 'checkout',
        status: true,
        rollout_percentage: 70,
        description: 'New checkout',
        variants: [
          { key: 'control', weight: 40, payload: { button: 'blue' } },
          { key: 'treatment', weight: 60, payload: { button: 'green' } },
        ],
        rules: [{ segment: 'beta', rollout_percentage: 100, variants: [{ key: 'treatment', weight: 100 }] }],
        overrides: [{ user_id: 'user-2', enabled: false }],
        prerequisites: [{ flag: 'banner' }],
      });
      await call('PUT', '/flags/banner', { rollout_percentage: 60 });
      const schedule = await call('POST', '/flags/banner/schedules', {
        at: new Date(Date.now() + 86_400_000).toISOString(),
        set: { rollout_percentage: 100 },
      });
      const evaluateKey = (await call('POST', '/api-keys', { name: 'web', scope: 'evaluate' })).secret;
      await call('POST', '/experiments', {
        key: 'checkout_test',
        flag_name: 'checkout',
        control: 'control',
        metrics: [{ key: 'purchase', event: 'purchase', type: 'binomial' }],
      });
      await call('POST', '/experiments/checkout_test/start');

      const answers = async (key: string) => {
        const result: Record<string, unknown> = {};
        for (const user of USERS) {
          for (const flag of ['banner', 'checkout']) {
            result[`${flag}/${user}`] = await call('GET', `/users/${user}/flags/${flag}?plan=pro`, undefined, key);
          }
        }
        return result;
      };
      const before = {
        flags: await call('GET', '/flags'),
        segments: await call('GET', '/segments'),
        schedules: (await call('GET', '/flags/banner/schedules')) as unknown as { id: string }[],
        experiment: await call('GET', '/experiments/checkout_test'),
        answers: await answers(evaluateKey),
        history: await call('GET', '/flags/checkout/history'),
        keys: await call('GET', '/api-keys'),
      };
      await call('POST', '/events', {
        events: USERS.slice(0, 10).map((user) => ({ type: 'track', event: 'purchase', user_id: user })),
      });
      await stop();

      // This version migrates the database as it starts.
      const app = await buildTestApp(database, { ADMIN_API_KEY: ADMIN_KEY });
      try {
        const get = async (path: string, key = ADMIN_KEY) => {
          const res = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${key}` } });
          expect(res.statusCode, path).toBe(200);
          return res.json();
        };
        const withoutNewFields = (flags: Record<string, unknown>[]) =>
          flags.map(({ kind, tags, value_type, off_variant, version, definition_version, ...rest }) => {
            expect([kind, tags, value_type, off_variant]).toEqual(['release', [], 'boolean', null]);
            expect([version, definition_version]).toEqual([1, 1]);
            return rest;
          });
        // Every item starts at version 1.
        const withoutVersion = ({ version, ...rest }: Record<string, unknown>) => {
          expect(version).toBe(1);
          return rest;
        };
        expect(withoutNewFields(await get('/flags'))).toEqual(before.flags);
        expect((await get('/segments')).map(withoutVersion)).toEqual(before.segments);
        expect((await get('/projects/default/segments')).map((s: { name: string }) => s.name)).toEqual(['beta']);
        expect(await get('/flags/banner/schedules')).toEqual(before.schedules);
        expect(before.schedules[0].id).toBe(schedule.id);
        expect(withoutVersion(await get('/experiments/checkout_test'))).toEqual(before.experiment);
        const after: Record<string, unknown> = {};
        for (const user of USERS) {
          for (const flag of ['banner', 'checkout']) {
            // The same answer, with OpenFeature's value beside it (whether a boolean flag is on).
            const { value, ...answer } = await get(`/users/${user}/flags/${flag}?plan=pro`, evaluateKey);
            expect(value).toBe(answer.enabled);
            after[`${flag}/${user}`] = answer;
          }
        }
        expect(after).toEqual(before.answers);
        // Everything is in default/production; development starts with every flag off.
        const development = await get('/projects/default/environments/development/flags');
        expect(development.flags.map((f: { flag_name: string; status: boolean }) => [f.flag_name, f.status])).toEqual([
          ['banner', false],
          ['checkout', false],
        ]);
        expect(development.flags[1].variants.map((v: { weight: number }) => v.weight)).toEqual([40, 60]);
        // History reads as before, now with the project and environment it was made in.
        const history = (await get('/flags/checkout/history')).entries;
        expect(
          history.map(({ project, environment, actor, ...entry }: Record<string, unknown>) => {
            expect([project, environment]).toEqual(['default', 'production']);
            // Entries from before accounts name no account, nor how their key signed in.
            const { account_id, signed_in_by, ...recorded } = actor as Record<string, unknown>;
            expect([account_id, signed_in_by]).toEqual([null, null]);
            return { ...entry, actor: recorded };
          }),
        ).toEqual(before.history.entries);
        const keys = await get('/api-keys');
        expect(keys.map(({ project: _p, environment: _e, ...key }: Record<string, unknown>) => key)).toEqual(
          before.keys,
        );
        expect(keys.map((k: { project: string | null }) => k.project)).toEqual(['default']);
        // The experiment kept its exposures and events.
        const result = await get('/experiments/checkout_test/results');
        expect(result.variants.reduce((sum: number, v: { users: number }) => sum + v.users, 0)).toBeGreaterThan(0);
        expect(
          result.metrics[0].variants.reduce((sum: number, v: { conversions: number }) => sum + v.conversions, 0),
        ).toBeGreaterThan(0);
      } finally {
        await app.close();
      }
    },
    120_000,
  );
});

describe.each(backends)('upgrading to item versions, on $name', (backend) => {
  const startPrevious = usePreviousRelease('20261207000000_item_versions', backend);

  it.skipIf(!backend.available)(
    'gives every existing item version 1, which the next write of it raises to 2',
    async () => {
      const { database, call, stop } = await startPrevious();
      await call('POST', '/segments', { name: 'beta', user_ids: ['user-1'] });
      await call('POST', '/flags', { flag_name: 'banner', status: true, rollout_percentage: 50 });
      // Written twice before versions existed: still version 1 after the upgrade.
      await call('PUT', '/flags/banner', { rollout_percentage: 60, description: 'Banner' });
      await call('POST', '/projects', { key: 'shop', name: 'Shop' });
      const answers = await call('GET', '/users/user-1/flags');
      await stop();

      const app = await buildTestApp(database, { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_WRITES: '0' });
      try {
        const request = async (method: 'GET' | 'PATCH', url: string, payload?: object) => {
          const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
          expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(200);
          return res.json();
        };
        expect(await request('GET', '/flags/banner')).toMatchObject({
          rollout_percentage: 60,
          version: 1,
          definition_version: 1,
        });
        expect(await request('GET', '/projects/default/flags/banner')).toMatchObject({
          version: 1,
          environments: { development: { version: 1 }, production: { version: 1 } },
        });
        expect(await request('GET', '/segments/beta')).toMatchObject({ version: 1 });
        expect(await request('GET', '/projects/shop')).toMatchObject({
          version: 1,
          environments: [{ version: 1 }, { version: 1 }],
        });
        expect(await request('GET', '/users/user-1/flags')).toEqual(answers);

        expect(await request('PATCH', '/flags/banner', { rollout_percentage: 70 })).toMatchObject({
          version: 2,
          definition_version: 1,
        });
        expect(await request('PATCH', '/segments/beta', { user_ids: ['user-2'] })).toMatchObject({ version: 2 });
        expect(await request('PATCH', '/projects/shop', { name: 'The shop' })).toMatchObject({ version: 2 });
      } finally {
        await app.close();
      }
    },
    120_000,
  );
});
