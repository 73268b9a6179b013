import { once } from 'node:events';
import http from 'node:http';
import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/server-process.js';
import { useTestServer } from '../../../test/support/test-app.js';
import { adminCalls } from './admin.js';

const ADMIN = 'p'.repeat(40);
const quiet = { warn: () => {}, error: () => {} };

/** The URL of a service that is down. */
const closedPort = async () => `http://127.0.0.1:${await freePort()}`;

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let domains = 0;
/** The provider under its own OpenFeature domain, so the tests' providers do not replace each other. */
async function clientWith(provider: FeatureFlagsProvider) {
  const domain = `test-${++domains}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

describe('the in-process provider through the OpenFeature SDK', () => {
  const { app, baseUrl } = useTestServer({ env: { ADMIN_API_KEY: ADMIN } });
  const keys = { server: '', evaluate: '' };
  const admin = adminCalls(app, ADMIN);

  beforeAll(async () => {
    await admin('POST', '/flags', { flag_name: 'checkout', status: true });
    await admin('POST', '/flags', {
      flag_name: 'colour',
      status: true,
      rollout_percentage: 50,
      value_type: 'string',
      variants: [
        { key: 'red', weight: 50, value: '#f00', payload: { label: 'Red' } },
        { key: 'blue', weight: 50, value: '#00f' },
      ],
    });
    await admin('POST', '/flags', {
      flag_name: 'limit',
      status: true,
      value_type: 'number',
      variants: [{ key: 'ten', weight: 100, value: 10 }],
    });
    await admin('POST', '/flags', {
      flag_name: 'layout',
      status: true,
      value_type: 'object',
      variants: [{ key: 'grid', weight: 100, value: { columns: 3 } }],
    });
    keys.server = (await admin('POST', '/api-keys', { name: 'api', scope: 'server' })).secret;
    keys.evaluate = (await admin('POST', '/api-keys', { name: 'web', scope: 'evaluate' })).secret;
  });
  afterAll(() => OpenFeature.close());

  it('resolves each type with value, variant, reason and metadata, and fails as the SDK expects', async () => {
    const client = await clientWith(new FeatureFlagsProvider({ url: baseUrl(), apiKey: keys.server }));
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getBooleanDetails('checkout', false)).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'STATIC',
      flagMetadata: { rollout_percentage: 100 },
    });
    // Off for some users: the caller's default, as OFREP answers a typed flag without an off variant.
    const colours = new Set<string>();
    for (let i = 0; i < 40; i++)
      colours.add((await client.getStringDetails('colour', 'default', { targetingKey: `u${i}` })).value);
    expect([...colours].sort()).toEqual(['#00f', '#f00', 'default']);
    const red = [...Array(100).keys()].map(async (i) =>
      client.getStringDetails('colour', 'default', { targetingKey: `u${i}` }),
    );
    expect((await Promise.all(red)).find((d) => d.variant === 'red')).toMatchObject({
      value: '#f00',
      reason: 'SPLIT',
      flagMetadata: { rollout_percentage: 50, payload: '{"label":"Red"}' },
    });
    expect(await client.getNumberValue('limit', 0, { targetingKey: 'ann' })).toBe(10);
    expect(await client.getObjectValue('layout', {}, { targetingKey: 'ann' })).toEqual({ columns: 3 });

    expect(await client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    const redUser = [...Array(100).keys()].map((i) => `u${i}`);
    const onUser = (await Promise.all(redUser.map((u) => client.getStringValue('colour', 'off', { targetingKey: u }))))
      .map((value, i) => (value === 'off' ? undefined : redUser[i]))
      .find((user) => user !== undefined)!;
    expect(await client.getNumberDetails('colour', 7, { targetingKey: onUser })).toMatchObject({
      value: 7,
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getStringDetails('colour', 'x')).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
    });
  });

  it('hears of a change made through the API within a second, over the stream', async () => {
    const provider = new FeatureFlagsProvider({ url: baseUrl(), apiKey: keys.server });
    const client = await clientWith(provider);
    await until(() => provider.syncStatus.connection === 'streaming');
    const changed = new Promise((resolve) => client.addHandler(ProviderEvents.ConfigurationChanged, resolve));
    const started = performance.now();
    await admin('PATCH', '/flags/checkout', { status: false });
    await changed;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await client.getBooleanDetails('checkout', true)).toMatchObject({ value: false, reason: 'DISABLED' });
    await admin('PATCH', '/flags/checkout', { status: true });
  });

  it('fails at once, and for good, with a key that may not read the configuration', async () => {
    const provider = new FeatureFlagsProvider({ url: baseUrl(), apiKey: keys.evaluate, logger: quiet });
    await expect(clientWith(provider)).rejects.toThrow(/refused the API key.*403.*lacks the permission "config\.read"/);
    const client = OpenFeature.getClient(`test-${domains}`);
    expect(client.providerStatus).toBe(ProviderStatus.FATAL);
    expect(await client.getBooleanDetails('checkout', false)).toMatchObject({
      value: false,
      errorCode: ErrorCode.PROVIDER_FATAL,
    });
  });

  it("gives up waiting after initTimeoutMs with the reason, and answers the caller's defaults meanwhile", async () => {
    const down = await closedPort();
    const provider = new FeatureFlagsProvider({ url: down, apiKey: keys.server, initTimeoutMs: 300, logger: quiet });
    const started = performance.now();
    await expect(clientWith(provider)).rejects.toThrow(
      /configuration is not loaded \(GET .*\/config failed: .*ECONNREFUSED/,
    );
    expect(performance.now() - started).toBeLessThan(1500);
    const client = OpenFeature.getClient(`test-${domains}`);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('checkout', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });
    expect(provider.syncStatus).toMatchObject({ connection: 'offline', source: 'none' });
    await provider.onClose();
  });

  it('starts from a flags-as-code document while the service is down, and says it is stale', async () => {
    const document = await admin('GET', '/projects/default/export');
    const provider = new FeatureFlagsProvider({
      url: await closedPort(),
      apiKey: keys.server,
      initTimeoutMs: 200,
      bootstrap: { document, environment: 'production' },
      logger: quiet,
    });
    const client = await clientWith(provider);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(provider.syncStatus).toMatchObject({ source: 'bootstrap', connection: 'offline', flags: 4 });
    expect(await client.getBooleanValue('checkout', false)).toBe(true);
    expect(await client.getNumberValue('limit', 0, { targetingKey: 'ann' })).toBe(10);
    await provider.onClose();

    const refused = new FeatureFlagsProvider({
      url: baseUrl(),
      apiKey: keys.server,
      bootstrap: { document: { version: 2 }, environment: 'production' },
    });
    await expect(clientWith(refused)).rejects.toThrow(/bootstrap document is not a flags-as-code document/);
  });

  it("sends exposures and track() events in batches, so the experiment's results count them as the service's own", async () => {
    await admin('POST', '/flags', {
      flag_name: 'new_checkout',
      status: true,
      variants: [
        { key: 'control', weight: 50 },
        { key: 'treatment', weight: 50 },
      ],
    });
    const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
    await admin('POST', '/experiments', {
      key: 'checkout_test',
      flag_name: 'new_checkout',
      control: 'control',
      metrics,
    });
    await admin('POST', '/experiments/checkout_test/start');

    const provider = new FeatureFlagsProvider({ url: baseUrl(), apiKey: keys.server, flushIntervalMs: 60_000 });
    const client = await clientWith(provider);
    const assigned = { control: 0, treatment: 0 };
    const converted = { control: 0, treatment: 0 };
    for (let i = 0; i < 200; i++) {
      const context = { targetingKey: `buyer${i}`, plan: 'pro' };
      // Evaluated twice: exposed once.
      await client.getStringValue('new_checkout', 'none', context);
      const variant = (await client.getStringValue('new_checkout', 'none', context)) as 'control' | 'treatment';
      assigned[variant]++;
      if (i % 3 === 0) {
        client.track('purchase', context, { value: 1 });
        converted[variant]++;
      }
    }
    expect(provider.syncStatus.events).toEqual({ sent: 0, dropped: 0, pending: 200 + 67 });
    await provider.flush();
    expect(provider.syncStatus.events).toEqual({ sent: 267, dropped: 0, pending: 0 });

    const results = await admin('GET', '/experiments/checkout_test/results');
    expect(Object.fromEntries(results.variants.map((v: { key: string; users: number }) => [v.key, v.users]))).toEqual(
      assigned,
    );
    const [purchase] = results.metrics;
    expect(
      Object.fromEntries(purchase.variants.map((v: { key: string; conversions: number }) => [v.key, v.conversions])),
    ).toEqual(converted);
  });

  it('drops only the events the service would refuse, before sending or as the service lists them', async () => {
    await admin('POST', '/experiments', {
      key: 'short_lived',
      flag_name: 'colour',
      control: 'red',
      metrics: [{ key: 'purchase', event: 'purchase', type: 'binomial' }],
    });
    await admin('POST', '/experiments/short_lived/start');
    const warnings: string[] = [];
    const provider = new FeatureFlagsProvider({
      url: baseUrl(),
      apiKey: keys.server,
      flushIntervalMs: 60_000,
      logger: { warn: (message: string) => warnings.push(message), error: () => {} },
    });
    const client = await clientWith(provider);
    // Refused by the schema the service checks with: never queued.
    client.track('purchase', { targetingKey: 'nul\u0000user' });
    client.track('purchase', { targetingKey: 'whale' }, { value: 1e13 });
    client.track('purchase', { targetingKey: 'lone\ud800' });
    expect(provider.syncStatus.events).toEqual({ sent: 0, dropped: 3, pending: 0 });
    expect(warnings[1]).toBe(
      '[feature-flags] a track event was dropped, the service would refuse it: value: must be within ±1e12',
    );

    // One user exposed while the experiment runs; it stops before the batch leaves, so the service
    // refuses that exposure alone and stores the conversion beside it.
    for (let i = 0; provider.syncStatus.events.pending === 0; i++) {
      await client.getStringValue('colour', 'none', { targetingKey: `short-${i}` });
    }
    await admin('POST', '/experiments/short_lived/stop');
    client.track('purchase', { targetingKey: 'buyer-ok' }, { value: 12.5 });
    await provider.flush();
    expect(provider.syncStatus.events).toEqual({ sent: 1, dropped: 4, pending: 0 });
    expect(warnings.at(-1)).toMatch(
      /^\[feature-flags\] 1 of 2 events refused by the service; the first \(exposure\): .*is stopped$/,
    );
    await provider.onClose();
  });

  it('keeps at most maxBufferedEvents while the service does not take them, and counts the rest as dropped', async () => {
    const document = await admin('GET', '/projects/default/export');
    const provider = new FeatureFlagsProvider({
      url: await closedPort(),
      apiKey: keys.server,
      initTimeoutMs: 100,
      maxBufferedEvents: 5,
      bootstrap: { document, environment: 'production' },
      logger: quiet,
    });
    const client = await clientWith(provider);
    for (let i = 0; i < 8; i++) client.track('purchase', { targetingKey: `u${i}` });
    client.track('purchase', {});
    await provider.flush();
    expect(provider.syncStatus.events).toEqual({ sent: 0, dropped: 3, pending: 5 });
    await provider.onClose();
  });
});

describe('the provider when the stream is refused', () => {
  // One stream per key: a second one, the provider's, gets 429.
  const { app, baseUrl } = useTestServer({ env: { ADMIN_API_KEY: ADMIN, STREAM_LIMIT_PER_KEY: '1' } });
  afterAll(() => OpenFeature.close());

  it('polls GET /config instead, and still hears of changes', async () => {
    const headers = { authorization: `Bearer ${ADMIN}` };
    await app().inject({ method: 'POST', url: '/flags', payload: { flag_name: 'checkout' }, headers });
    const held = new AbortController();
    const first = await fetch(`${baseUrl()}/stream`, { headers, signal: held.signal });
    expect(first.status).toBe(200);
    try {
      const provider = new FeatureFlagsProvider({ url: baseUrl(), apiKey: ADMIN, pollIntervalMs: 100, logger: quiet });
      const client = await clientWith(provider);
      await until(() => provider.syncStatus.connection === 'polling');
      expect(provider.syncStatus.lastError).toMatch(/429/);
      await app().inject({ method: 'PATCH', url: '/flags/checkout', payload: { status: true }, headers });
      await until(() => provider.evaluate<boolean>('checkout', false, {}, 'boolean').value);
      expect(client.providerStatus).toBe(ProviderStatus.READY);
    } finally {
      held.abort();
    }
  });
});

describe('the provider when its stream drops', () => {
  const { app, baseUrl } = useTestServer({ env: { ADMIN_API_KEY: ADMIN } });
  const admin = adminCalls(app, ADMIN);
  afterAll(() => OpenFeature.close());

  it('reconnects with Last-Event-ID, and gets the change made while it was away', async () => {
    await admin('POST', '/flags', { flag_name: 'checkout' });
    // A loopback proxy in front of the service: it records each stream request and can cut the streams.
    const upstream = new URL(baseUrl());
    const streamRequests: { lastEventId: string | undefined }[] = [];
    const open = new Set<http.ServerResponse>();
    const proxy = http.createServer((request, response) => {
      if (request.url?.startsWith('/stream')) {
        streamRequests.push({ lastEventId: request.headers['last-event-id'] as string | undefined });
        open.add(response);
        response.on('close', () => open.delete(response));
      }
      const forwarded = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(forwarded);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const { port } = proxy.address() as { port: number };
    try {
      const provider = new FeatureFlagsProvider({ url: `http://127.0.0.1:${port}`, apiKey: ADMIN, logger: quiet });
      await clientWith(provider);
      await until(() => provider.syncStatus.connection === 'streaming');
      await admin('PATCH', '/flags/checkout', { status: true });
      await until(() => provider.evaluate<boolean>('checkout', false, {}, 'boolean').value);
      const { revision } = await admin('GET', '/config');

      for (const response of open) response.destroy();
      await admin('PATCH', '/flags/checkout', { status: false });
      // The stream comes back after the service's `retry: 1000`, asking for what followed the last change it saw.
      await until(() => streamRequests.length === 2, 5000);
      expect(streamRequests[1].lastEventId).toBe(String(revision));
      await until(() => provider.evaluate<boolean>('checkout', true, {}, 'boolean').value === false, 5000);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});
