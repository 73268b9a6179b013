import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

const checkoutVariants = [
  { key: 'control', weight: 50, payload: null },
  { key: 'blue_button', weight: 30, payload: { color: '#0057ff', label: 'Buy now' } },
  { key: 'green_button', weight: 20, payload: 'green' },
];

describe.each(backends)('A/B/n variants on $name', (backend) => {
  const app = useTestApp(backend, {
    seed: async (app) => {
      const created = await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'checkout_button', status: true, variants: checkoutVariants },
      });
      expect(created.statusCode).toBe(201);
    },
  });
  const evaluate = (user: string, flag = 'checkout_button') =>
    app().inject({ method: 'GET', url: `/users/${user}/flags/${flag}` });

  describe.skipIf(!backend.available)('', () => {
    it('stores variants with their weights and payloads', async () => {
      const flag = (await app().inject({ method: 'GET', url: '/flags/checkout_button' })).json();
      expect(flag.variants).toEqual(checkoutVariants);
    });

    it('gives each user who gets the flag a stable variant with its payload, spread by weight', async () => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < 1000; i++) {
        const body = (await evaluate(`user-${i}`)).json();
        expect(body.enabled).toBe(true);
        expect(body.payload).toEqual(checkoutVariants.find((v) => v.key === body.variant)!.payload);
        counts[body.variant] = (counts[body.variant] ?? 0) + 1;
      }
      // 1,000 users: each share within ±5% of its weight (the ±1% check over 100,000 is in test/core/rollout.test.ts).
      for (const v of checkoutVariants)
        expect(Math.abs(counts[v.key] / 1000 - v.weight / 100), v.key).toBeLessThan(0.05);
      expect((await evaluate('user-7')).json().variant).toBe((await evaluate('user-7')).json().variant);
    });

    it('gives no variant to users the flag is off for, and keeps variants when the percentage changes', async () => {
      const before = await Promise.all(
        Array.from({ length: 50 }, (_, i) => evaluate(`user-${i}`).then((r) => r.json())),
      );
      await app().inject({ method: 'PUT', url: '/flags/checkout_button', payload: { rollout_percentage: 40 } });
      for (const [i, was] of before.entries()) {
        const now = (await evaluate(`user-${i}`)).json();
        if (now.enabled) expect(now.variant).toBe(was.variant);
        else expect(now).toMatchObject({ reason: 'OUT_OF_ROLLOUT', variant: null, payload: null });
      }
      await app().inject({ method: 'PUT', url: '/flags/checkout_button', payload: { status: false } });
      expect((await evaluate('user-1')).json()).toMatchObject({
        enabled: false,
        reason: 'FLAG_DISABLED',
        variant: null,
        payload: null,
      });
      await app().inject({
        method: 'PUT',
        url: '/flags/checkout_button',
        payload: { status: true, rollout_percentage: 100 },
      });
    });

    it('keeps flags without variants as they were, and clears variants with []', async () => {
      await app().inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'plain', status: true, rollout_percentage: 25 },
      });
      expect((await app().inject({ method: 'GET', url: '/users/alice123/flags/plain' })).json()).toMatchObject({
        variant: null,
        payload: null,
      });
      const cleared = await app().inject({ method: 'PUT', url: '/flags/plain', payload: { variants: [] } });
      expect(cleared.json().variants).toEqual([]);
      const set = await app().inject({
        method: 'PUT',
        url: '/flags/plain',
        payload: { variants: [{ key: 'only', weight: 100 }] },
      });
      expect(set.json().variants).toEqual([{ key: 'only', weight: 100, payload: null }]);
      const history = (await app().inject({ method: 'GET', url: '/flags/plain/history' })).json().entries;
      expect(history[0].after.variants).toEqual([{ key: 'only', weight: 100, payload: null }]);
      await app().inject({ method: 'PUT', url: '/flags/plain', payload: { variants: [] } });
    });

    it.each([
      [
        'weights that do not add up to 100',
        [
          { key: 'a', weight: 50 },
          { key: 'b', weight: 49.99 },
        ],
        /add up to 100, not 99.99/,
      ],
      [
        'a key used twice',
        [
          { key: 'a', weight: 50 },
          { key: 'a', weight: 50 },
        ],
        /appears twice/,
      ],
      [
        'a weight with three decimals',
        [
          { key: 'a', weight: 33.333 },
          { key: 'b', weight: 66.667 },
        ],
        /two decimals/,
      ],
      ['a key with a space', [{ key: 'a b', weight: 100 }], /letters, digits/],
      ['an unknown field', [{ key: 'a', weight: 100, share: 1 }], /unknown field/],
      ['more than 20 variants', Array.from({ length: 25 }, (_, i) => ({ key: `v${i}`, weight: 4 })), /at most 20|<=20/],
    ])('refuses %s with 400 and changes nothing', async (_name, variants, message) => {
      const before = (await app().inject({ method: 'GET', url: '/flags/checkout_button' })).json();
      const res = await app().inject({ method: 'PUT', url: '/flags/checkout_button', payload: { variants } });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(message);
      expect(res.json().errors[0].pointer).toMatch(/^#\/variants/);
      expect((await app().inject({ method: 'GET', url: '/flags/checkout_button' })).json()).toEqual(before);
    });
  });
});
