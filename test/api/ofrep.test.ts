import type { FastifyInstance } from 'fastify';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp, useTestServer } from '../support/test-app.js';

const seedFlags = async (app: FastifyInstance) => {
  for (const payload of [
    { flag_name: 'beta_search', status: true, rollout_percentage: 25 },
    { flag_name: 'dark_mode', status: true },
    { flag_name: 'nobody', status: true, rollout_percentage: 0 },
    { flag_name: 'switched_off', status: false },
  ]) {
    expect((await app.inject({ method: 'POST', url: '/flags', payload })).statusCode).toBe(201);
  }
};

describe.each(backends)('OFREP on $name', (backend) => {
  const app = useTestApp(backend, { seed: seedFlags });
  const evaluate = (key: string, body?: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method: 'POST', url: `/ofrep/v1/evaluate/flags/${key}`, payload: body as object, headers });
  const bulk = (body?: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', payload: body as object, headers });

  describe.skipIf(!backend.available)('', () => {
    it('answers what the native endpoint answers, for many users', async () => {
      for (let i = 0; i < 40; i++) {
        const user = `user-${i}`;
        const native = (await app().inject({ method: 'GET', url: `/users/${user}/flags/beta_search` })).json();
        const res = await evaluate('beta_search', { context: { targetingKey: user, plan: 'pro' } });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          key: 'beta_search',
          value: native.enabled,
          reason: 'SPLIT',
          variant: native.enabled ? 'on' : 'off',
          metadata: { rollout_percentage: 25 },
        });
      }
    });

    it(
      'reports STATIC when everyone gets the same answer and DISABLED when the flag is off, with no targeting key ' +
        'needed',
      async () => {
        expect((await evaluate('dark_mode', { context: {} })).json()).toMatchObject({
          value: true,
          reason: 'STATIC',
          variant: 'on',
        });
        expect((await evaluate('nobody', {})).json()).toMatchObject({ value: false, reason: 'STATIC', variant: 'off' });
        expect((await evaluate('switched_off')).json()).toMatchObject({
          value: false,
          reason: 'DISABLED',
          variant: 'off',
        });
      },
    );

    it("uses the protocol's error codes", async () => {
      const cases: [string, unknown, number, string][] = [
        ['no_such_flag', { context: { targetingKey: 'u' } }, 404, 'FLAG_NOT_FOUND'],
        ['beta_search', { context: {} }, 400, 'TARGETING_KEY_MISSING'],
        ['beta_search', { context: { targetingKey: 42 } }, 400, 'INVALID_CONTEXT'],
        ['beta_search', { context: 'alice' }, 400, 'INVALID_CONTEXT'],
        ['beta_search', { context: { targetingKey: '' } }, 400, 'INVALID_CONTEXT'],
      ];
      for (const [key, body, status, errorCode] of cases) {
        const res = await evaluate(key, body);
        expect(res.statusCode, `${key} ${JSON.stringify(body)}`).toBe(status);
        expect(res.json()).toMatchObject({ key, errorCode, errorDetails: expect.any(String) });
      }
      const malformed = await app().inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/beta_search',
        body: '{"context":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ key: 'beta_search', errorCode: 'PARSE_ERROR' });
      expect((await bulk({ context: [] })).json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    });

    it('evaluates every flag in bulk, failing alone the flags that need a missing targeting key', async () => {
      const res = await bulk({ context: { targetingKey: 'alice123' } });
      expect(res.statusCode).toBe(200);
      const native = (await app().inject({ method: 'GET', url: '/users/alice123/flags' })).json().flags;
      const flags = res.json().flags as { key: string; value: boolean }[];
      expect(Object.fromEntries(flags.map((f) => [f.key, f.value]))).toEqual(native);

      const anonymous = (await bulk({ context: {} })).json().flags;
      expect(anonymous.find((f: { key: string }) => f.key === 'beta_search')).toMatchObject({
        errorCode: 'TARGETING_KEY_MISSING',
      });
      expect(anonymous.find((f: { key: string }) => f.key === 'dark_mode')).toMatchObject({
        value: true,
        reason: 'STATIC',
      });
    });

    it('sends an ETag covering flags and context: 304 only for the same context and configuration', async () => {
      const alice = { context: { targetingKey: 'alice123' } };
      const first = await bulk(alice);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await bulk(alice, { 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');

      // Another context with the very same answers still gets its own tag and a full answer.
      const other = await bulk({ context: { targetingKey: 'alice123', plan: 'pro' } }, { 'if-none-match': etag });
      expect(other.statusCode).toBe(200);
      expect(other.json().flags).toEqual(first.json().flags);
      expect(other.headers.etag).not.toBe(etag);

      await app().inject({ method: 'PUT', url: '/flags/dark_mode', payload: { description: 'changed' } });
      await app().inject({ method: 'PUT', url: '/flags/nobody', payload: { rollout_percentage: 100 } });
      const changed = await bulk(alice, { 'if-none-match': etag });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
      await app().inject({ method: 'PUT', url: '/flags/nobody', payload: { rollout_percentage: 0 } });
    });
  });
});

describe('OFREP with API keys', () => {
  const admin = { authorization: 'Bearer ofrep-admin-key-0123456789-0123456789abcdef' };
  const testApp = useTestApp(backends[0], {
    env: { ADMIN_API_KEY: 'ofrep-admin-key-0123456789-0123456789abcdef', RATE_LIMIT_EVALUATIONS: '3' },
    // Standing still: the limit's window cannot end between the requests that fill it.
    clock: new ManualClock(),
    seed: async (app) => {
      await app.inject({
        method: 'POST',
        url: '/flags',
        headers: admin,
        payload: { flag_name: 'dark_mode', status: true },
      });
    },
  });

  it('answers 401 without a valid key and 429 with Retry-After over the limit; an evaluate key is enough', async () => {
    const app = testApp();
    const call = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags/dark_mode', payload: { context: {} }, headers });
    expect((await call({})).statusCode).toBe(401);
    expect((await call({ 'x-api-key': 'ffs_unknown' })).statusCode).toBe(401);
    const key = (
      await app.inject({
        method: 'POST',
        url: '/api-keys',
        headers: admin,
        payload: { name: 'sdk', scope: 'evaluate' },
      })
    ).json().secret;
    for (let i = 0; i < 3; i++) expect((await call({ 'x-api-key': key })).statusCode).toBe(200);
    const limited = await call({ 'x-api-key': key });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the official OpenFeature SDK with the OFREP provider', () => {
  const server = useTestServer({
    seed: async (app) => {
      await seedFlags(app);
      const variants = [
        { key: 'control', weight: 50 },
        { key: 'blue_button', weight: 50, payload: { color: '#0057ff' } },
      ];
      await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'checkout_button', status: true, rollout_percentage: 80, variants },
      });
      await app.inject({
        method: 'POST',
        url: '/segments',
        payload: { name: 'germany', conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }] },
      });
      const rules = [{ segment: 'germany', conditions: [{ attribute: 'seats', operator: 'gte', value: 10 }] }];
      await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'team_plan', status: true, rollout_percentage: 0, rules },
      });
      const iosRules = [{ conditions: [{ attribute: 'device.os', operator: 'equals', value: 'ios' }] }];
      await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'ios_only', status: true, rollout_percentage: 0, rules: iosRules },
      });
    },
  });
  let app: FastifyInstance;
  beforeAll(async () => {
    app = server.app();
    await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: server.baseUrl() }));
  });
  afterAll(() => OpenFeature.close());

  it('gets the same answers as the native endpoints, and the default value with FLAG_NOT_FOUND for a missing flag', async () => {
    const client = OpenFeature.getClient();
    for (const user of ['alice123', 'bob', 'carol', 'dave', 'erin']) {
      const native = (await app.inject({ method: 'GET', url: `/users/${user}/flags/beta_search` })).json();
      const details = await client.getBooleanDetails('beta_search', !native.enabled, { targetingKey: user });
      expect(details).toMatchObject({ value: native.enabled, reason: 'SPLIT', variant: native.enabled ? 'on' : 'off' });
      expect(details.errorCode).toBeUndefined();
    }
    expect(await client.getBooleanValue('dark_mode', false, { targetingKey: 'anyone' })).toBe(true);

    const missing = await client.getBooleanDetails('no_such_flag', true, { targetingKey: 'alice123' });
    expect(missing).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('passes the context to targeting rules: the same answers as POST /evaluate/{flag_name}', async () => {
    const client = OpenFeature.getClient();
    for (const [context, enabled] of [
      [{ country: 'DE', seats: 12 }, true],
      [{ country: 'DE', seats: 3 }, false],
      [{ country: 'FR', seats: 12 }, false],
    ] as const) {
      const native = (
        await app.inject({
          method: 'POST',
          url: '/evaluate/team_plan',
          payload: { user_id: 'acme', attributes: context },
        })
      ).json();
      expect(native.enabled).toBe(enabled);
      const details = await client.getBooleanDetails('team_plan', !enabled, { targetingKey: 'acme', ...context });
      expect(details).toMatchObject({ value: enabled, reason: enabled ? 'TARGETING_MATCH' : 'SPLIT' });
    }
    // An attribute of a type an operator does not handle does not match; it is not an error.
    const structured = await client.getBooleanDetails('team_plan', true, {
      targetingKey: 'acme',
      country: { code: 'DE' },
      seats: 12,
    });
    expect(structured).toMatchObject({ value: false, reason: 'SPLIT' });
    expect(structured.errorCode).toBeUndefined();
  });

  it('takes contexts with nested objects and lists of numbers, and rules reach into them by dotted path', async () => {
    const client = OpenFeature.getClient();
    const context = { targetingKey: 'u1', device: { os: 'ios', model: { year: 2024 } }, scores: [3, 1.5] };
    expect(await client.getBooleanDetails('ios_only', false, context)).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    const android = { ...context, device: { os: 'android' } };
    expect(await client.getBooleanDetails('ios_only', true, android)).toMatchObject({ value: false, reason: 'SPLIT' });
    // Every other flag still answers from the same context, nothing falls back to its default.
    for (const flag of ['beta_search', 'dark_mode', 'team_plan']) {
      expect((await client.getBooleanDetails(flag, false, context)).errorCode, flag).toBeUndefined();
    }
    const bulk = await app.inject({ method: 'POST', url: '/ofrep/v1/evaluate/flags', payload: { context } });
    expect(bulk.statusCode).toBe(200);
    const ios = (bulk.json().flags as { key: string; value: unknown }[]).find((f) => f.key === 'ios_only');
    expect(ios).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('resolves a multivariate string flag to the native variant, with its payload in the metadata', async () => {
    const client = OpenFeature.getClient();
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const user = `user-${i}`;
      const native = (await app.inject({ method: 'GET', url: `/users/${user}/flags/checkout_button` })).json();
      const details = await client.getStringDetails('checkout_button', 'default', { targetingKey: user });
      if (native.enabled) {
        expect(details).toMatchObject({ value: native.variant, variant: native.variant, reason: 'SPLIT' });
        expect(details.errorCode).toBeUndefined();
        if (native.payload !== null) expect(JSON.parse(String(details.flagMetadata.payload))).toEqual(native.payload);
        seen.add(native.variant);
      } else {
        // Off for this user: the SDK falls back to the caller's default.
        expect(details.value).toBe('default');
      }
    }
    expect(seen).toEqual(new Set(['control', 'blue_button']));
  });
});
