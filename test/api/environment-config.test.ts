import { describe, expect, it } from 'vitest';
import { environmentConfigSchema, fromEnvironmentConfig } from '../../src/areas/evaluation/sync-schemas.js';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

const ADMIN = 'a'.repeat(40);

describe.each(backends)('GET /config and server keys on $name', (backend) => {
  const keys: Record<'server' | 'evaluate' | 'staging', string> = { server: '', evaluate: '', staging: '' };
  const app = useTestApp(backend, {
    env: { ADMIN_API_KEY: ADMIN },
    seed: async (app) => {
      const admin = (method: 'POST' | 'PATCH', url: string, payload: object) =>
        app.inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN}` } });
      await admin('POST', '/segments', { name: 'beta', user_ids: ['ann', 'bob'], conditions: [] });
      await admin('POST', '/flags', {
        flag_name: 'checkout',
        status: true,
        rollout_percentage: 25.5,
        variants: [
          { key: 'control', weight: 50 },
          { key: 'treatment', weight: 50 },
        ],
        rules: [{ segment: 'beta', conditions: [], rollout_percentage: 100 }],
      });
      for (const [name, scope, environment] of [
        ['server', 'server', 'production'],
        ['evaluate', 'evaluate', 'production'],
        ['staging', 'server', 'staging'],
      ] as const) {
        await admin('POST', `/projects/default/environments`, { key: 'staging', name: 'Staging' });
        const created = await admin('POST', '/api-keys', { name, scope, environment });
        expect(created.statusCode, created.body).toBe(201);
        keys[name] = created.json().secret;
      }
    },
  });
  const get = (url: string, key: string, headers: Record<string, string> = {}) =>
    app().inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers } });
  const admin = (method: 'POST' | 'PATCH', url: string, payload?: object) =>
    app().inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN}` } });

  describe.skipIf(!backend.available)('', () => {
    it("answers a server key its environment's configuration, segments' user lists included, with an ETag", async () => {
      const res = await get('/config', keys.server);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ version: 1, environment: 'production', schedules: [], experiments: [] });
      expect(Number.isInteger(body.revision)).toBe(true);
      expect(body.segments).toEqual([{ name: 'beta', description: null, conditions: [], user_ids: ['ann', 'bob'] }]);
      const [checkout] = body.flags;
      expect(Object.keys(checkout.environments)).toEqual(['production']);
      expect(checkout.environments.production).toMatchObject({ status: true, rollout_percentage: 25.5 });
      expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
      // What the provider reads back is what the service holds.
      const config = fromEnvironmentConfig(environmentConfigSchema.parse(body));
      expect(config.document.flags[0].environments.get('production')).toMatchObject({
        status: true,
        rolloutBasisPoints: 2550,
        weights: [
          { key: 'control', weightBasisPoints: 5000 },
          { key: 'treatment', weightBasisPoints: 5000 },
        ],
      });

      const again = await get('/config', keys.server, { 'if-none-match': res.headers.etag as string });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    });

    it('refuses evaluate keys (they reach browsers), and gives a server key only its own environment', async () => {
      const refused = await get('/config', keys.evaluate);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.json().detail).toMatch(/\(evaluate\) lacks the permission "config\.read"/);
      expect((await get('/config', 'ffs_unknown')).statusCode).toBe(401);
      expect((await get('/projects/default/environments/production/config', keys.staging)).statusCode).toBe(404);
      const staging = await get('/config', keys.staging);
      expect(staging.json().environment).toBe('staging');
      expect(staging.json().flags[0].environments.staging.status).toBe(false);
      // An admin key reads any environment's.
      expect((await get('/projects/default/environments/staging/config', ADMIN)).json().environment).toBe('staging');
    });

    it('lets a server key evaluate, send events and follow the stream, but not manage flags', async () => {
      const evaluated = await app().inject({
        method: 'POST',
        url: '/evaluate/checkout',
        payload: { user_id: 'ann' },
        headers: { authorization: `Bearer ${keys.server}` },
      });
      expect(evaluated.json()).toMatchObject({ enabled: true, reason: 'RULE_MATCH' });
      const refused = await app().inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'nope' },
        headers: { authorization: `Bearer ${keys.server}` },
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().detail).toMatch(/\(server\) lacks the permission "flag\.write"/);
    });

    it('moves its revision and ETag when a schedule or an experiment changes, and lists them', async () => {
      const before = await get('/config', keys.server);
      const at = new Date(Date.now() + 3_600_000).toISOString();
      expect(
        (await admin('POST', '/flags/checkout/schedules', { at, set: { rollout_percentage: 50 } })).statusCode,
      ).toBe(201);
      const scheduled = await get('/config', keys.server);
      expect(scheduled.json().revision).toBeGreaterThan(before.json().revision);
      expect(scheduled.headers.etag).not.toBe(before.headers.etag);
      expect(scheduled.json().schedules).toMatchObject([
        { flag_name: 'checkout', at, set: { rollout_percentage: 50 } },
      ]);

      const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
      await admin('POST', '/experiments', { key: 'checkout_test', flag_name: 'checkout', control: 'control', metrics });
      const drafted = await get('/config', keys.server);
      expect(drafted.json().experiments).toEqual([]);
      expect((await admin('POST', '/experiments/checkout_test/start')).statusCode).toBe(200);
      const running = await get('/config', keys.server);
      expect(running.json().revision).toBeGreaterThan(drafted.json().revision);
      expect(running.json().experiments).toEqual([{ key: 'checkout_test', flag_name: 'checkout' }]);
      // Asking for a revision it holds already answers at once.
      const current = await get(`/config?min_revision=${running.json().revision}`, keys.server);
      expect(current.json().revision).toBe(running.json().revision);
      expect((await get('/config?min_revision=-1', keys.server)).statusCode).toBe(400);
    });
  });
});
