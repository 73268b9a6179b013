import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../../test/support/server-process.js';

const ADMIN = 'r'.repeat(40);
const quiet = { warn: () => {}, error: () => {} };

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

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
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await OpenFeature.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows changes within a second, keeps answering while the service is down, and catches up when it is back', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: `file:${join(dir, 'flags.db')}`, ADMIN_API_KEY: ADMIN, PORT: String(port) };
    server = await startServer(env);
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
    server = await startServer(env);
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
});
