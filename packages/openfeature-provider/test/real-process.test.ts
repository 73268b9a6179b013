import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type ServerProcess, startServer } from '../../../test/support/server-process.js';

const ADMIN = 'r'.repeat(40);
const quiet = { warn: () => {}, error: () => {} };

/** Polls `check` every 10 ms until it holds; how long that took (ms), or a failure after `timeoutMs`. */
async function within(timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

describe('the provider beside a real service process (npm start), killed and started again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provider-process-'));
  let server: ServerProcess | undefined;
  const started: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const running = await startServer(env);
    started.push(running);
    return running;
  };
  afterAll(async () => {
    for (const running of started) running.process.kill('SIGKILL');
    await OpenFeature.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows changes within a second, keeps answering while the service is down, and catches up when it is back', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: `file:${join(dir, 'flags.db')}`, ADMIN_API_KEY: ADMIN, PORT: String(port) };
    server = await start(env);
    const url = `http://127.0.0.1:${port}`;
    const admin = async (method: string, path: string, body?: object) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    await admin('POST', '/flags', { flag_name: 'checkout', status: false });
    const { secret } = (await admin('POST', '/api-keys', { name: 'api', scope: 'server' })) as { secret: string };

    const provider = new FeatureFlagsProvider({ url, apiKey: secret, pollIntervalMs: 200, logger: quiet });
    await OpenFeature.setProviderAndWait('process', provider);
    const client = OpenFeature.getClient('process');
    const checkout = () => client.getBooleanValue('checkout', false);

    // A change made through the API, seen by the provider.
    const started = performance.now();
    await admin('PATCH', '/flags/checkout', { status: true });
    const firstChangeMs = await within(1000, checkout);
    console.log(`change seen by the provider ${Math.round(performance.now() - started)} ms after the PATCH was sent`);
    expect(firstChangeMs).toBeLessThan(1000);

    // The service killed: the provider says so, and answers from what it has.
    const stale = new Promise((resolve) => client.addHandler(ProviderEvents.Stale, resolve));
    server.process.kill('SIGKILL');
    await once(server.process, 'exit');
    await stale;
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(provider.syncStatus.connection).toBe('offline');
    expect(provider.syncStatus.lastError).toMatch(/ECONNREFUSED|failed|disconnected/);
    expect(await checkout()).toBe(true);
    client.track('purchase', { targetingKey: 'ann' });
    await provider.flush();
    expect(provider.syncStatus.events).toMatchObject({ sent: 0, pending: 1 });

    // Back on the same port and database: the next change arrives without a restart of the application.
    const ready = new Promise((resolve) => client.addHandler(ProviderEvents.Ready, resolve));
    server = await start(env);
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    await admin('PATCH', '/flags/checkout', { status: false });
    const secondChangeMs = await within(1000, async () => !(await checkout()));
    expect(secondChangeMs).toBeLessThan(1000);
    // The event held while it was down is sent now.
    await within(5000, async () => {
      await provider.flush();
      return provider.syncStatus.events.sent === 1;
    });
    const exported = await fetch(`${url}/events/export`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await exported.text()).toMatch(/"event":"purchase","user_id":"ann"/);
  });

  it('starts while the service is down, gives up waiting, and becomes READY by itself once the service is up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const provider = new FeatureFlagsProvider({
      url,
      apiKey: ADMIN,
      initTimeoutMs: 300,
      pollIntervalMs: 200,
      logger: quiet,
    });
    await expect(OpenFeature.setProviderAndWait('late', provider)).rejects.toThrow(/configuration is not loaded/);
    const client = OpenFeature.getClient('late');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('late_flag', false)).toMatchObject({ errorCode: 'PROVIDER_NOT_READY' });

    const ready = new Promise((resolve) => client.addHandler(ProviderEvents.Ready, resolve));
    await start({ DATABASE_URL: `file:${join(dir, 'late.db')}`, ADMIN_API_KEY: ADMIN, PORT: String(port) });
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    const created = await fetch(`${url}/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flag_name: 'late_flag', status: true }),
    });
    expect(created.status).toBe(201);
    await within(1000, () => client.getBooleanValue('late_flag', false));
  });
});
