import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe.each(backends)('item versions on $name', (backend) => {
  const { app } = useTestAppAndDatabase(backend, {
    env: { RATE_LIMIT_WRITES: '0', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
  });
  const ok = async (method: Method, url: string, payload?: unknown) => {
    const res = await app().inject({ method, url, payload: payload as object });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };

  describe.skipIf(!backend.available)('', () => {
    it('start at 1 and rise by one with every write of the item, and only of that item', async () => {
      const created = await ok('POST', '/flags', {
        flag_name: 'checkout',
        status: true,
        variants: [
          { key: 'a', weight: 50, payload: null },
          { key: 'b', weight: 50, payload: null },
        ],
      });
      expect(created).toMatchObject({ version: 1, definition_version: 1 });

      // A settings change raises this environment's settings, not the definition nor another environment's.
      const patched = await ok('PATCH', '/projects/default/environments/production/flags/checkout', {
        rollout_percentage: 30,
      });
      expect(patched).toMatchObject({ version: 2, definition_version: 1 });
      const definition = await ok('GET', '/projects/default/flags/checkout');
      expect(definition).toMatchObject({
        version: 1,
        environments: { development: { version: 1 }, production: { version: 2 } },
      });

      // A definition change that keeps the variants' keys leaves every environment's settings as they were.
      const described = await ok('PATCH', '/projects/default/flags/checkout', { description: 'New checkout' });
      expect(described).toMatchObject({
        version: 2,
        environments: { development: { version: 1 }, production: { version: 2 } },
      });
      // New variant keys rewrite every environment's weights: each settings row moves.
      const rekeyed = await ok('PATCH', '/projects/default/flags/checkout', {
        variants: [
          { key: 'a', payload: null },
          { key: 'c', payload: null },
        ],
      });
      expect(rekeyed).toMatchObject({
        version: 3,
        environments: { development: { version: 2 }, production: { version: 3 } },
      });
      // The seed's PUT changes both halves.
      expect(await ok('PUT', '/flags/checkout', { description: 'Again', status: false })).toMatchObject({
        version: 4,
        definition_version: 4,
      });

      expect(await ok('POST', '/segments', { name: 'beta', user_ids: ['u1'] })).toMatchObject({ version: 1 });
      expect(await ok('PATCH', '/segments/beta', { user_ids: ['u1', 'u2'] })).toMatchObject({ version: 2 });

      const project = await ok('POST', '/projects', { key: 'shop', name: 'Shop' });
      expect(project).toMatchObject({ version: 1, environments: [{ version: 1 }, { version: 1 }] });
      expect(await ok('PATCH', '/projects/shop', { name: 'The shop' })).toMatchObject({ version: 2 });
      expect(await ok('PATCH', '/projects/shop/environments/development', { name: 'Dev' })).toMatchObject({
        version: 2,
      });

      await ok('PUT', '/flags/checkout', {
        variants: [
          { key: 'control', weight: 50, payload: null },
          { key: 'treatment', weight: 50, payload: null },
        ],
      });
      await ok('POST', '/experiments', {
        key: 'checkout_test',
        flag_name: 'checkout',
        control: 'control',
        metrics: [{ key: 'purchase', event: 'purchase', type: 'binomial' }],
      });
      expect(await ok('GET', '/experiments/checkout_test')).toMatchObject({ version: 1 });
      expect(await ok('POST', '/experiments/checkout_test/start')).toMatchObject({ version: 2 });

      const webhook = await ok('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['flag.*'] });
      expect(webhook).toMatchObject({ version: 1 });
      expect(await ok('PATCH', `/webhooks/${webhook.id}`, { enabled: false })).toMatchObject({ version: 2 });
    });
  });
});
