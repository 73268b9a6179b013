import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature as ServerOpenFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestApp, useTestServer } from '../support/test-app.js';

const TYPED_FLAGS = [
  {
    flag_name: 'checkout_copy',
    status: true,
    value_type: 'string',
    variants: [
      { key: 'short', weight: 50, value: 'Buy' },
      { key: 'long', weight: 50, value: 'Buy now, pay later' },
      { key: 'plain', weight: 0, value: 'Checkout' },
    ],
    off_variant: 'plain',
  },
  {
    flag_name: 'page_size',
    status: true,
    value_type: 'number',
    variants: [
      { key: 'small', weight: 0, value: 10 },
      { key: 'large', weight: 100, value: 50 },
    ],
    off_variant: 'small',
  },
  {
    flag_name: 'theme',
    status: true,
    value_type: 'object',
    variants: [{ key: 'dark', weight: 100, value: { background: '#000', accent: '#0af' }, payload: { since: 2026 } }],
    off_variant: null,
  },
  { flag_name: 'banner', status: true },
];

const seed = async (app: ReturnType<ReturnType<typeof useTestApp>>) => {
  for (const payload of TYPED_FLAGS) {
    const res = await app.inject({ method: 'POST', url: '/flags', payload });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
};

describe.each(backends)('typed flags on $name', (backend) => {
  const app = useTestApp(backend, { seed });
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    app().inject({ method, url, payload });

  describe.skipIf(!backend.available)('', () => {
    it('stores each variant’s value of the flag’s type, and refuses what does not fit, changing nothing', async () => {
      const stored = (await inject('GET', '/flags/page_size')).json();
      expect(stored).toMatchObject({ value_type: 'number', off_variant: 'small' });
      expect(stored.variants).toEqual([
        { key: 'small', weight: 0, payload: null, value: 10 },
        { key: 'large', weight: 100, payload: null, value: 50 },
      ]);
      // A boolean flag's variants carry no value.
      expect((await inject('GET', '/flags/banner')).json()).toMatchObject({ value_type: 'boolean', off_variant: null });
      const cases: [object, RegExp][] = [
        [{ flag_name: 'x', value_type: 'string' }, /variants: a string flag needs variants/],
        [
          { flag_name: 'x', value_type: 'number', variants: [{ key: 'a', weight: 100, value: '10' }] },
          /variants\/0\/value: must be a number/,
        ],
        [
          { flag_name: 'x', value_type: 'object', variants: [{ key: 'a', weight: 100, value: 'x' }] },
          /must be an object, as the flag's value_type says/,
        ],
        [{ flag_name: 'x', variants: [{ key: 'a', weight: 100, value: 1 }] }, /boolean flag's variants carry no value/],
        [
          { flag_name: 'x', value_type: 'string', variants: [{ key: 'a', weight: 100, value: 'a' }], off_variant: 'b' },
          /off_variant: the flag has no variant "b"/,
        ],
        [{ flag_name: 'x', value_type: 'json' }, /value_type/],
      ];
      for (const [payload, detail] of cases) {
        const res = await inject('POST', '/flags', payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().detail).toMatch(detail);
      }
      expect((await inject('GET', '/flags/x')).statusCode).toBe(404);
      const retype = await inject('PUT', '/flags/page_size', { value_type: 'string' });
      expect(retype.statusCode).toBe(400);
      expect((await inject('GET', '/flags/page_size')).json().value_type).toBe('number');
    });

    it('answers the value beside enabled: the variant’s, its off variant’s when off, null without one', async () => {
      const one = async (flag: string, user = 'u1') => (await inject('GET', `/users/${user}/flags/${flag}`)).json();
      expect(await one('page_size')).toMatchObject({ enabled: true, variant: 'large', value: 50 });
      expect(await one('banner')).toMatchObject({ enabled: true, variant: null, value: true });
      expect(await one('theme')).toMatchObject({ enabled: true, value: { background: '#000', accent: '#0af' } });
      await inject('PUT', '/flags/page_size', { status: false });
      await inject('PUT', '/flags/theme', { status: false });
      // Off: the off variant, with its value and payload; the reason is the off reason, as always.
      expect(await one('page_size')).toEqual({
        user_id: 'u1',
        flag_name: 'page_size',
        enabled: false,
        reason: 'FLAG_DISABLED',
        bucket: expect.any(Number),
        variant: 'small',
        payload: null,
        value: 10,
      });
      expect(await one('theme')).toMatchObject({ enabled: false, variant: null, value: null });
      const all = (await inject('POST', '/evaluate', { user_id: 'u1' })).json().flags;
      expect(all.page_size).toMatchObject({ enabled: false, variant: 'small', value: 10 });
      // OFREP: the typed value; none at all for an off flag without an off variant (the protocol's code default).
      const ofrep = (key: string) =>
        inject('POST', `/ofrep/v1/evaluate/flags/${key}`, { context: { targetingKey: 'u1' } }).then((r) => r.json());
      expect(await ofrep('page_size')).toMatchObject({
        key: 'page_size',
        value: 10,
        variant: 'small',
        reason: 'DISABLED',
      });
      const codeDefault = await ofrep('theme');
      expect(codeDefault).toMatchObject({ key: 'theme', reason: 'DISABLED', variant: 'off' });
      expect(codeDefault).not.toHaveProperty('value');
      await inject('PUT', '/flags/page_size', { status: true });
      await inject('PUT', '/flags/theme', { status: true });
    });

    it('exposes users to an experiment only when the flag is on for them, never for its off variant', async () => {
      const metrics = [{ key: 'buy', event: 'buy', type: 'binomial' }];
      await inject('POST', '/experiments', { key: 'copy_test', flag_name: 'checkout_copy', control: 'short', metrics });
      await inject('POST', '/experiments/copy_test/start');
      await inject('PUT', '/flags/checkout_copy', { rollout_percentage: 0 });
      expect((await inject('GET', '/users/off-user/flags/checkout_copy')).json()).toMatchObject({
        enabled: false,
        variant: 'plain',
        value: 'Checkout',
      });
      const refused = await inject('POST', '/events', {
        events: [{ type: 'exposure', experiment: 'copy_test', user_id: 'off-user', variant: 'plain' }],
      });
      expect(refused.statusCode).toBe(202);
      expect(refused.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
      expect(refused.json().rejected[0].reason).toMatch(/assigns user "off-user" no variant/);
      // A flag turned off: the refusal says so, not only that the user got no variant.
      await inject('PUT', '/flags/checkout_copy', { status: false });
      const off = await inject('POST', '/events', {
        events: [{ type: 'exposure', experiment: 'copy_test', user_id: 'off-user', variant: 'plain' }],
      });
      expect(off.json().rejected[0].reason).toBe(
        'variant: flag "checkout_copy" is off in environment "production", so nobody is in experiment ' +
          '"copy_test" there until it is turned on',
      );
      await inject('PUT', '/flags/checkout_copy', { status: true });
      await inject('POST', '/experiments/copy_test/stop');
      await inject('PUT', '/flags/checkout_copy', { rollout_percentage: 100 });
    });
  });
});

describe('OpenFeature SDKs against a live server: boolean, string, number and object flags, on and off', () => {
  const server = useTestServer({ seed });
  beforeAll(async () => {
    await ServerOpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: server.baseUrl() }));
  });
  afterAll(async () => {
    await ServerOpenFeature.close();
    await WebOpenFeature.close();
  });

  it('@openfeature/server-sdk with @openfeature/ofrep-provider', async () => {
    const client = ServerOpenFeature.getClient();
    const context = { targetingKey: 'alice' };
    const copy = await client.getStringDetails('checkout_copy', 'fallback', context);
    expect(['Buy', 'Buy now, pay later']).toContain(copy.value);
    expect(copy.errorCode).toBeUndefined();
    expect(await client.getNumberValue('page_size', 0, context)).toBe(50);
    expect(await client.getObjectValue('theme', {}, context)).toEqual({ background: '#000', accent: '#0af' });
    expect(await client.getBooleanValue('banner', false, context)).toBe(true);

    const off = async (flag: string) =>
      server.app().inject({ method: 'PUT', url: `/flags/${flag}`, payload: { status: false } });
    for (const flag of ['checkout_copy', 'page_size', 'banner']) await off(flag);
    expect(await client.getStringDetails('checkout_copy', 'fallback', context)).toMatchObject({
      value: 'Checkout',
      variant: 'plain',
      reason: 'DISABLED',
    });
    expect(await client.getNumberDetails('page_size', 0, context)).toMatchObject({ value: 10, reason: 'DISABLED' });
    expect(await client.getBooleanValue('banner', true, context)).toBe(false);
    for (const flag of ['checkout_copy', 'page_size', 'banner']) {
      await server.app().inject({ method: 'PUT', url: `/flags/${flag}`, payload: { status: true } });
    }
  });

  it('@openfeature/web-sdk with @openfeature/ofrep-web-provider', async () => {
    await WebOpenFeature.setContext({ targetingKey: 'alice' });
    await WebOpenFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl: server.baseUrl(), pollInterval: 0 }));
    const client = WebOpenFeature.getClient();
    expect(['Buy', 'Buy now, pay later']).toContain(client.getStringValue('checkout_copy', 'fallback'));
    expect(client.getNumberValue('page_size', 0)).toBe(50);
    expect(client.getObjectValue('theme', {})).toEqual({ background: '#000', accent: '#0af' });
    expect(client.getBooleanValue('banner', false)).toBe(true);

    await server.app().inject({ method: 'PUT', url: '/flags/page_size', payload: { status: false } });
    await server.app().inject({ method: 'PUT', url: '/flags/theme', payload: { status: false } });
    // A static-context provider re-fetches when its context changes.
    await WebOpenFeature.setContext({ targetingKey: 'alice', plan: 'pro' });
    expect(client.getNumberDetails('page_size', 0)).toMatchObject({ value: 10, variant: 'small', reason: 'DISABLED' });
    // Off with no off variant: no value, so the caller's default, without an error.
    const theme = client.getObjectDetails('theme', { fallback: true });
    expect(theme).toMatchObject({ value: { fallback: true }, reason: 'DISABLED' });
    expect(theme.errorCode).toBeUndefined();
  });
});
