import { once } from 'node:events';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, postgresAdminUrl, type TestDatabase } from './helpers.js';
import { type ServerProcess, startServer } from './support/server-process.js';
import { startReceiver } from './support/webhook-receiver.js';

describe('a webhook delivery whose sender dies', () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('is sent again by the next instance once its lease runs out, with the same webhook-id', async () => {
    const database: TestDatabase = await createSqliteDatabase();
    cleanup.push(() => database.drop());
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    // A lease is twice the timeout: 2 s here.
    const env = { DATABASE_URL: database.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '1000' };
    const start = async () => {
      const server = await startServer(env);
      cleanup.push(() => server.process.kill('SIGKILL'));
      return server;
    };
    const send = (server: ServerProcess, method: string, path: string, body?: object) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });

    const first = await start();
    const created = await send(first, 'POST', '/webhooks', { url: receiver.url(), events: ['flag.created'] });
    const hook = (await created.json()) as { id: string; secret: string };
    // The receiver holds the first attempt open, and the instance sending it is killed meanwhile.
    receiver.answerWith(() => undefined);
    expect((await send(first, 'POST', '/flags', { flag_name: 'banner' })).status).toBe(201);
    await receiver.waitFor(1);
    first.process.kill('SIGKILL');
    await once(first.process, 'exit');

    receiver.answerWith((_req, res) => res.end('ok'));
    const killedAt = performance.now();
    const second = await start();
    await receiver.waitFor(2);
    const redeliveredAfterMs = performance.now() - killedAt;
    const [lost, again] = receiver.received;
    expect(again.headers['webhook-id']).toBe(lost.headers['webhook-id']);
    expect(again.body).toBe(lost.body);
    expect(new Webhook(hook.secret).verify(again.body, again.headers)).toMatchObject({
      type: 'flag.created',
      data: { target: 'banner' },
    });
    // Not before the lease (2 s from the claim) ran out; the poll is every second.
    expect(redeliveredAfterMs).toBeLessThan(10_000);
    const page = await send(second, 'GET', `/webhooks/${hook.id}/deliveries`);
    const { deliveries } = (await page.json()) as { deliveries: object[] };
    expect(deliveries).toMatchObject([{ id: lost.headers['webhook-id'], status: 'delivered', attempts: 1 }]);
    expect(receiver.received).toHaveLength(2);
  }, 30_000);

  it.skipIf(!postgresAdminUrl)(
    'two real instances on one PostgreSQL send each delivery exactly once between them',
    async () => {
      const database = await createPostgresDatabase();
      cleanup.push(() => database.drop());
      const receiver = await startReceiver();
      cleanup.push(() => receiver.close());
      const env = { DATABASE_URL: database.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', RATE_LIMIT_WRITES: '0' };
      const servers = await Promise.all([startServer(env), startServer(env)]);
      for (const server of servers) cleanup.push(() => server.process.kill('SIGKILL'));
      const post = (server: ServerProcess, path: string, body: object) =>
        fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post(servers[0], '/webhooks', { url: receiver.url(), events: ['flag.created'] })).status).toBe(201);
      // 100 changes through both instances, which both poll the outbox every second.
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const res = await post(servers[i % 2], '/flags', { flag_name: `f${i}` });
          expect(res.status).toBe(201);
        }),
      );
      await receiver.waitFor(100);
      // Two more polls of each instance: nothing is sent twice.
      await new Promise((r) => setTimeout(r, 2500));
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(100);
      expect(new Set(ids).size).toBe(100);
      const targets = receiver.received.map((r) => (JSON.parse(r.body) as { data: { target: string } }).data.target);
      expect(new Set(targets)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `f${i}`)));
    },
    30_000,
  );
});
