import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, buildTestApp, createPostgresDatabase, postgresAdminUrl, query } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';
import { startReceiver } from '../support/webhook-receiver.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const hookEnv = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '300', RATE_LIMIT_WRITES: '0' };

describe.each(backends)('webhooks on $name', (backend) => {
  // The worker looks for due deliveries every second of this clock.
  const clock = new ManualClock(Date.now());
  const { app, database } = useTestAppAndDatabase(backend, {
    clock,
    env: hookEnv,
    seed: async (app) => {
      await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'banner', status: true } });
      await app.inject({ method: 'POST', url: '/projects', payload: { key: 'other', name: 'Other' } });
    },
  });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver?.close());

  const inject = (method: Method, url: string, payload?: object) => app().inject({ method, url, payload });
  const ok = async (method: Method, url: string, payload?: object) => {
    const res = await inject(method, url, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.statusCode === 204 ? null : res.json();
  };
  const subscribe = async (events: string[], extra: object = {}) => {
    const res = await inject('POST', '/webhooks', { url: receiver.url(), events, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; secret: string; url: string };
  };
  const deliveries = async (id: string) => (await ok('GET', `/webhooks/${id}/deliveries`)).deliveries;
  const newOnes = (from: number) => receiver.received.slice(from);
  const toggle = (status: boolean) => ok('PATCH', '/flags/banner', { status });

  describe.skipIf(!backend.available)('', () => {
    it('announces a change, signed as Standard Webhooks defines, with what changed; the secret is shown once', async () => {
      const created = await inject('POST', '/webhooks', { url: receiver.url(), events: ['flag.*'] });
      expect(created.statusCode, created.body).toBe(201);
      const hook = created.json();
      expect(hook).toMatchObject({ url: receiver.url(), events: ['flag.*'], project: null, enabled: true });
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(created.headers.location).toBe(`/webhooks/${hook.id}`);
      expect(await ok('GET', `/webhooks/${hook.id}`)).not.toHaveProperty('secret');
      // Audited like every change, without the secret or the URL's path (often a credential itself).
      const [audited] = (await ok('GET', '/audit?limit=1')).entries;
      expect(audited).toMatchObject({
        action: 'webhook.created',
        target_type: 'webhook',
        target: hook.id,
        project: null,
        after: { origin: new URL(receiver.url()).origin, events: ['flag.*'], enabled: true, secret_changed: true },
      });
      expect(JSON.stringify(audited)).not.toContain(hook.secret);
      expect(JSON.stringify(audited)).not.toContain('/hook');
      expect((await ok('GET', '/webhooks')).map((h: { id: string }) => h.id)).toContain(hook.id);

      const before = receiver.received.length;
      await toggle(false);
      // Not a flag: not announced to a webhook for flag.*.
      await ok('POST', '/segments', { name: 'beta' });
      await clock.advance(1000);
      const [arrived] = newOnes(before);
      expect(newOnes(before)).toHaveLength(1);
      const announced = new Webhook(hook.secret).verify(arrived.body, arrived.headers) as Record<string, unknown>;
      expect(announced).toMatchObject({
        type: 'flag.updated',
        data: {
          action: 'flag.updated',
          target_type: 'flag',
          target: 'banner',
          project: 'default',
          environment: 'production',
          before: { status: true },
          after: { status: false },
        },
      });
      // Another secret's signature does not verify: the receiver can tell the service from anyone else.
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(arrived.body, arrived.headers),
      ).toThrow();
      expect(arrived.headers['content-type']).toBe('application/json');
      expect(arrived.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));

      const [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({
        id: arrived.headers['webhook-id'],
        event: 'flag.updated',
        status: 'delivered',
        attempts: 1,
        next_attempt_at: null,
        last_status_code: 200,
        last_error: null,
        last_response: 'ok',
        delivered_at: new Date(clock.now()).toISOString(),
      });
      expect(delivery.last_latency_ms).toBeGreaterThanOrEqual(0);
      // The request as sent, for the dashboard's delivery log: the very body the receiver verified.
      expect(delivery.payload).toEqual(JSON.parse(arrived.body));
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('tries a failing receiver again with backoff and the same webhook-id until it answers', async () => {
      const hook = await subscribe(['flag.updated']);
      receiver.answerWith((_req, res) => res.writeHead(503).end('x'.repeat(2000)));
      const before = receiver.received.length;
      await toggle(true);
      await clock.advance(1000);
      let [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 503, last_error: 'HTTP 503' });
      // Only the first 1,024 characters of an answer are kept.
      expect(delivery.last_response).toHaveLength(1024);
      // The first retry waits 2.5 to 5 seconds (5 s with full jitter from half).
      const wait = Date.parse(delivery.next_attempt_at) - clock.now();
      expect(wait).toBeGreaterThanOrEqual(2500);
      expect(wait).toBeLessThanOrEqual(5000);
      await clock.advance(1000);
      expect(newOnes(before)).toHaveLength(1);

      receiver.answerWith((_req, res) => res.end('thanks'));
      await clock.advance(5000);
      [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200, last_error: null });
      const ids = newOnes(before).map((r) => r.headers['webhook-id']);
      expect(ids).toEqual([delivery.id, delivery.id]);
      const metrics = (await inject('GET', '/metrics')).body;
      expect(metrics).toMatch(/^feature_flags_webhook_attempts_total\{result="retrying"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^feature_flags_webhook_deliveries_pending 0$/m);
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it("records a receiver's answer holding U+0000 (which PostgreSQL's text refuses) with U+FFFD in its place", async () => {
      const hook = await subscribe(['flag.updated']);
      receiver.answerWith((_req, res) => res.end('ok\u0000then'));
      await toggle(false);
      await clock.advance(1000);
      const [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_response: 'ok\ufffdthen' });
      const health = (await inject('GET', '/health')).json();
      expect(health.writers.webhooks).toEqual({ status: 'ok', failing_since: null, dropped_rows: 0 });
      receiver.answerWith((_req, res) => res.end('ok'));
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('records the outcome without the answer when the database refuses what it holds, and counts the row', async () => {
      const refuse =
        backend.name === 'postgresql'
          ? "ALTER TABLE webhook_deliveries ADD CONSTRAINT refused CHECK (last_response <> 'refused')"
          : 'CREATE TRIGGER refused BEFORE UPDATE ON webhook_deliveries ' +
            "WHEN NEW.last_response = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END";
      await query(database(), refuse);
      const hook = await subscribe(['flag.updated']);
      receiver.answerWith((_req, res) => res.end('refused'));
      const before = receiver.received.length;
      try {
        await toggle(true);
        await clock.advance(1000);
        // Recorded, so it is not sent again for ever.
        await clock.advance(10_000);
      } finally {
        await query(
          database(),
          backend.name === 'postgresql'
            ? 'ALTER TABLE webhook_deliveries DROP CONSTRAINT refused'
            : 'DROP TRIGGER refused',
        );
        receiver.answerWith((_req, res) => res.end('ok'));
      }
      expect(newOnes(before)).toHaveLength(1);
      const [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200, last_response: null });
      const health = (await inject('GET', '/health')).json();
      expect(health.writers.webhooks).toEqual({ status: 'ok', failing_since: null, dropped_rows: 1 });
      expect((await inject('GET', '/metrics')).body).toMatch(
        /^feature_flags_writer_dropped_rows_total\{writer="webhooks"\} 1$/m,
      );
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it("masks a URL's password in every answer, keeps it when the masked URL is sent back, and sends it as Basic auth", async () => {
      const withPassword = receiver.url().replace('http://', 'http://ops:s3cr%40t@');
      const created = await inject('POST', '/webhooks', { url: withPassword, events: ['flag.updated'] });
      expect(created.statusCode, created.body).toBe(201);
      const masked = withPassword.replace('s3cr%40t', '********');
      const hook = created.json();
      expect(hook.url).toBe(masked);
      expect((await ok('GET', `/webhooks/${hook.id}`)).url).toBe(masked);
      expect((await ok('GET', '/webhooks')).find((h: { id: string }) => h.id === hook.id).url).toBe(masked);
      // Sent back as shown, with another change: the password stays.
      const patched = await ok('PATCH', `/webhooks/${hook.id}`, { url: masked, events: ['flag.*'] });
      expect(patched).toMatchObject({ url: masked, events: ['flag.*'] });
      const [stored] = await query(database(), `SELECT url FROM webhooks WHERE id = '${hook.id}'`);
      expect(stored.url).toBe(withPassword);
      // A masked password never travels to another user or host.
      const otherUser = await inject('PATCH', `/webhooks/${hook.id}`, { url: masked.replace('ops:', 'root:') });
      expect(otherUser.statusCode).toBe(400);
      expect(otherUser.json().detail).toMatch(/password is masked \(\*{8}\).*send the password itself/);
      const otherHost = await inject('PATCH', `/webhooks/${hook.id}`, {
        url: masked.replace('127.0.0.1', 'localhost'),
      });
      expect(otherHost.statusCode).toBe(400);
      const audit = JSON.stringify((await ok('GET', '/audit?limit=5')).entries);
      expect(audit).not.toContain('s3cr');

      const before = receiver.received.length;
      await toggle(false);
      await clock.advance(1000);
      const [arrived] = newOnes(before);
      expect(arrived.path).toBe('/hook');
      expect(arrived.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cr@t').toString('base64')}`);
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('delivers to a receiver that was down (connection refused) once it is back', async () => {
      const down = await startReceiver();
      const url = down.url();
      await down.close();
      const res = await inject('POST', '/webhooks', { url, events: ['flag.updated'] });
      const hook = res.json();
      await toggle(false);
      await clock.advance(1000);
      let [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
      expect(delivery.last_error).toMatch(/ECONNREFUSED/);

      // Down for a minute (more failed attempts), then back on the same port: the next retry delivers it.
      await clock.advance(60_000);
      const back = await startReceiver(Number(new URL(url).port));
      try {
        [delivery] = await deliveries(hook.id);
        expect(delivery.attempts).toBeGreaterThan(3);
        await clock.advance(Date.parse(delivery.next_attempt_at) - clock.now() + 1000);
        [delivery] = await deliveries(hook.id);
        expect(delivery).toMatchObject({ status: 'delivered', last_status_code: 200 });
        expect(back.received.map((r) => r.headers['webhook-id'])).toEqual([delivery.id]);
      } finally {
        await back.close();
      }
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('follows no redirect and waits for no answer past WEBHOOK_TIMEOUT_MS', async () => {
      const hook = await subscribe(['flag.updated']);
      receiver.answerWith((_req, res) => res.writeHead(307, { location: receiver.url('/elsewhere') }).end());
      await toggle(false);
      await clock.advance(1000);
      expect(receiver.received.some((r) => r.path === '/elsewhere')).toBe(false);
      let [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({
        status: 'pending',
        last_status_code: 307,
        last_error: 'redirects are not followed',
      });

      receiver.answerWith(() => undefined);
      await clock.advance(5000);
      [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 2, last_status_code: null });
      expect(delivery.last_error).toBe('no answer within 300 ms');
      receiver.answerWith((_req, res) => res.end('ok'));
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('marks a delivery failed past its 24 hours; retry sends it again now with the same webhook-id', async () => {
      const hook = await subscribe(['flag.updated']);
      receiver.answerWith((_req, res) => res.writeHead(500).end());
      await toggle(true);
      await clock.advance(1000);
      let [delivery] = await deliveries(hook.id);
      expect(delivery.status).toBe('pending');
      expect((await inject('GET', '/metrics')).body).toMatch(/^feature_flags_webhook_deliveries_pending 1$/m);
      // The 24 hours run out before the next attempt is due (time moved in the database, not by a day of polls).
      await query(database(), `UPDATE webhook_deliveries SET deadline_at = ${clock.now() + 1000}`);
      await clock.advance(5000);
      [delivery] = await deliveries(hook.id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 2, next_attempt_at: null, last_status_code: 500 });

      receiver.answerWith((_req, res) => res.end('ok'));
      const before = receiver.received.length;
      const retried = await inject('POST', `/webhooks/${hook.id}/deliveries/${delivery.id}/retry`);
      expect(retried.statusCode, retried.body).toBe(202);
      expect(retried.json()).toMatchObject({ id: delivery.id, status: 'pending', attempts: 2 });
      await clock.advance(1000);
      expect(newOnes(before).map((r) => r.headers['webhook-id'])).toEqual([delivery.id]);
      expect((await deliveries(hook.id))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
      await ok('DELETE', `/webhooks/${hook.id}`);
    });

    it('pings, pages deliveries newest first, and forgets them with the webhook', async () => {
      const hook = await subscribe(['*']);
      const ping = await inject('POST', `/webhooks/${hook.id}/ping`);
      expect(ping.statusCode, ping.body).toBe(202);
      expect(ping.json()).toMatchObject({ event: 'webhook.ping', status: 'pending' });
      // Its own creation, a ping and two changes at one moment: their times tie, and paging still shows each once.
      await toggle(false);
      await toggle(true);
      await clock.advance(1000);
      const all = await deliveries(hook.id);
      expect(all.map((d: { event: string }) => d.event).sort()).toEqual([
        'flag.updated',
        'flag.updated',
        'webhook.created',
        'webhook.ping',
      ]);
      expect(all.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
      const pinged = receiver.received.find((r) => r.headers['webhook-id'] === ping.json().id)!;
      expect(new Webhook(hook.secret).verify(pinged.body, pinged.headers)).toMatchObject({
        type: 'webhook.ping',
        data: { webhook_id: hook.id },
      });

      const first = await ok('GET', `/webhooks/${hook.id}/deliveries?limit=2`);
      expect(first.deliveries).toHaveLength(2);
      const second = await ok('GET', `/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.next_cursor}`);
      expect(second.deliveries).toHaveLength(2);
      expect(second).toMatchObject({ next_cursor: null });
      expect([...first.deliveries, ...second.deliveries].map((d: { id: string }) => d.id).sort()).toEqual(
        all.map((d: { id: string }) => d.id).sort(),
      );

      // Settled deliveries are kept 30 days, then deleted by the hourly sweep; pending ones stay.
      const [oldest] = all;
      await query(
        database(),
        `UPDATE webhook_deliveries SET created_at = created_at - ${31 * 86_400_000} WHERE id = '${oldest.id}'`,
      );
      await toggle(false);
      await query(
        database(),
        `UPDATE webhook_deliveries SET created_at = 0, next_attempt_at = ${clock.now() + 7_200_000} WHERE status = 'pending'`,
      );
      await clock.advance(3_600_000);
      const kept = (await deliveries(hook.id)).map((d: { id: string }) => d.id);
      expect(kept).toHaveLength(4);
      expect(kept).not.toContain(oldest.id);

      await ok('DELETE', `/webhooks/${hook.id}`);
      expect((await inject('GET', `/webhooks/${hook.id}/deliveries`)).statusCode).toBe(404);
      expect(await query(database(), `SELECT id FROM webhook_deliveries WHERE webhook_id = '${hook.id}'`)).toEqual([]);
    });

    it('refuses bad input with a problem and changes nothing', async () => {
      const hook = await subscribe(['flag.updated']);
      const problem = async (
        method: Method,
        url: string,
        payload: object | undefined,
        status: number,
        detail: RegExp,
      ) => {
        const res = await inject(method, url, payload);
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().detail).toMatch(detail);
      };
      await problem('POST', '/webhooks', { url: 'ftp://hooks.example.com', events: ['*'] }, 400, /http/);
      await problem('POST', '/webhooks', { url: receiver.url(), events: [] }, 400, /events/);
      await problem('POST', '/webhooks', { url: receiver.url(), events: ['Flag Updated'] }, 400, /action/);
      await problem('POST', '/webhooks', { url: receiver.url(), events: ['*', '*'] }, 400, /events/);
      // A typo would never match anything: refused, not silently quiet.
      await problem(
        'POST',
        '/webhooks',
        { url: receiver.url(), events: ['flag.update'] },
        400,
        /records no "flag.update"/,
      );
      await problem('POST', '/webhooks', { url: receiver.url(), events: ['flags.*'] }, 400, /records no "flags.\*"/);
      await problem('POST', '/webhooks', { url: receiver.url(), events: ['*'], secret: 'hunter2' }, 400, /whsec_/);
      await problem('POST', '/webhooks', { url: receiver.url(), events: ['*'], project: 'nope' }, 400, /not found/);
      await problem('PATCH', `/webhooks/${hook.id}`, {}, 400, /url, events, secret or enabled/);
      await problem('GET', `/webhooks/${hook.id}/deliveries?cursor=5`, undefined, 400, /next_cursor/);
      await problem('GET', '/webhooks/00000000-0000-4000-8000-000000000000', undefined, 404, /not found/);
      await problem('POST', `/webhooks/${hook.id}/deliveries/msg_nope/retry`, undefined, 404, /no delivery/);
      expect((await ok('GET', '/webhooks')).map((h: { id: string }) => h.id)).toEqual([hook.id]);
      expect(await ok('GET', `/webhooks/${hook.id}`)).toMatchObject({ url: receiver.url(), events: ['flag.updated'] });

      const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      const changed = await ok('PATCH', `/webhooks/${hook.id}`, { events: ['segment.*'], enabled: false, secret });
      expect(changed).toMatchObject({ events: ['segment.*'], enabled: false });
      await ok('DELETE', `/webhooks/${hook.id}`);
      const [deleted, updated] = (await ok('GET', '/audit?limit=2')).entries;
      expect(updated).toMatchObject({
        action: 'webhook.updated',
        before: { events: ['flag.updated'], enabled: true },
        after: { events: ['segment.*'], enabled: false, secret_changed: true },
      });
      expect(deleted).toMatchObject({ action: 'webhook.deleted', after: null });
    });

    // Last: the admin keys it makes require a key from then on.
    it("a project's webhook hears its project only; a disabled one hears nothing", async () => {
      const other = await subscribe(['*'], { project: 'other' });
      expect(other).toMatchObject({ project: 'other' });
      const quiet = await subscribe(['*'], { enabled: false });
      await toggle(false);
      await ok('POST', '/projects/other/flags', { flag_name: 'elsewhere' });
      await clock.advance(1000);
      expect((await deliveries(other.id)).map((d: { event: string }) => d.event).sort()).toEqual([
        'flag.created',
        'webhook.created',
      ]);
      expect(await deliveries(quiet.id)).toEqual([]);

      // A project's admin key manages its project's webhooks only.
      const admin = (await ok('POST', '/api-keys', { name: 'root', scope: 'admin' })).secret;
      const as = (secret: string) => ({ authorization: `Bearer ${secret}` });
      const otherAdmin = (
        await app().inject({
          method: 'POST',
          url: '/api-keys',
          headers: as(admin),
          payload: { name: 'other-admin', scope: 'admin', project: 'other' },
        })
      ).json().secret;
      const listed = await app().inject({ method: 'GET', url: '/webhooks', headers: as(otherAdmin) });
      expect(listed.json().map((h: { id: string }) => h.id)).toEqual([other.id]);
      const hidden = await app().inject({ method: 'GET', url: `/webhooks/${quiet.id}`, headers: as(otherAdmin) });
      expect(hidden.statusCode).toBe(404);
      const mine = await app().inject({
        method: 'POST',
        url: '/webhooks',
        headers: as(otherAdmin),
        payload: { url: receiver.url(), events: ['*'] },
      });
      expect(mine.json()).toMatchObject({ project: 'other' });
      for (const id of [other.id, quiet.id, mine.json().id]) {
        await app().inject({ method: 'DELETE', url: `/webhooks/${id}`, headers: as(admin) });
      }
    });
  });
});

describe('webhooks to this host and to special-purpose addresses', () => {
  const clock = new ManualClock(Date.now());
  const { app, database } = useTestAppAndDatabase(backends[0], {
    clock,
    seed: async (app) => {
      await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'banner', status: true } });
    },
  });
  const create = (url: string) => app().inject({ method: 'POST', url: '/webhooks', payload: { url, events: ['*'] } });
  // Saved with a literal public address (nothing is sent: the clock has not moved), then pointed, in
  // the database, where a save would have been refused: what a change of DNS answer does.
  const savedThenMovedTo = async (url: string) => {
    const id = (await create('http://93.184.215.14/hook')).json().id as string;
    await query(database(), `UPDATE webhooks SET url = '${url}' WHERE id = '${id}'`);
    return id;
  };
  const lastAttempt = async (id: string) =>
    (await app().inject({ method: 'GET', url: `/webhooks/${id}/deliveries` })).json().deliveries[0];

  it("refuses every special-purpose range and this host's own addresses when a webhook is saved", async () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .map((i) => (i!.family === 'IPv6' ? `[${i!.address}]` : i!.address));
    for (const host of [
      '127.0.0.1:8080',
      'localhost',
      '169.254.169.254',
      '10.1.2.3',
      '192.168.0.10',
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::127.0.0.1]',
      '[::ffff:0:127.0.0.1]',
      '[64:ff9b::127.0.0.1]',
      '[2002:7f00:1::]',
      '[2001:db8::1]',
      '[fd00::2]',
      ...own,
    ]) {
      const url = `http://${host}/hook`;
      const res = await create(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().detail, url).toMatch(
        /may not be a webhook's target: .* (is in a special-purpose range|is an address of this host)/,
      );
      expect(res.json().detail, url).toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORKS=true/);
    }
    expect((await app().inject({ method: 'GET', url: '/webhooks' })).json()).toEqual([]);
    const hook = await create('http://93.184.215.14/hook');
    expect(hook.statusCode, hook.body).toBe(201);
    const moved = await app().inject({
      method: 'PATCH',
      url: `/webhooks/${hook.json().id}`,
      payload: { url: 'http://[64:ff9b::a9fe:a9fe]/latest/meta-data' },
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().detail).toMatch(/linkLocal, embedded in IPv6/);
    await app().inject({ method: 'DELETE', url: `/webhooks/${hook.json().id}` });
  });

  it('checks the address of every connection, before any packet leaves: a literal, or a name now resolving to loopback', async () => {
    const receiver = await startReceiver();
    try {
      const byName = await savedThenMovedTo(receiver.url().replace('127.0.0.1', 'localhost'));
      const byLiteral = await savedThenMovedTo('http://198.51.100.7/hook');
      const mapped = await savedThenMovedTo(`http://[::ffff:7f00:1]:${new URL(receiver.url()).port}/hook`);
      await app().inject({ method: 'PATCH', url: '/flags/banner', payload: { status: false } });
      await clock.advance(1000);
      for (const [id, why] of [
        [byName, /^localhost may not be a webhook's target: 127\.0\.0\.1 is an address of this host/],
        [byLiteral, /^198\.51\.100\.7 may not be a webhook's target: .*\(reserved\)/],
        [mapped, /^\[::ffff:7f00:1\] may not be a webhook's target: ::ffff:7f00:1 is an address of this host/],
      ] as const) {
        const delivery = await lastAttempt(id);
        expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
        expect(delivery.last_error).toMatch(why);
      }
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhooks with WEBHOOK_ALLOWED_HOSTS', () => {
  const clock = new ManualClock(Date.now());
  // Loopback only so the test can receive; the allowlist narrows what private networks allow.
  const { app, database } = useTestAppAndDatabase(backends[0], {
    clock,
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, *.partner.example' },
    seed: async (app) => {
      await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'banner', status: true } });
    },
  });
  const create = (url: string) =>
    app().inject({ method: 'POST', url: '/webhooks', payload: { url, events: ['flag.updated'] } });

  it('saves and delivers to the hosts it names, refuses others on save and at every connection', async () => {
    const receiver = await startReceiver();
    try {
      for (const url of ['http://localhost/hook', 'http://partner.example/hook', 'http://[::1]/hook']) {
        const res = await create(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().detail).toMatch(/is not one of WEBHOOK_ALLOWED_HOSTS/);
      }
      const allowed = await create(receiver.url());
      expect(allowed.statusCode, allowed.body).toBe(201);
      const elsewhere = (await create(receiver.url())).json().id as string;
      await query(database(), `UPDATE webhooks SET url = 'http://localhost:1/hook' WHERE id = '${elsewhere}'`);
      const before = receiver.received.length;
      await app().inject({ method: 'PATCH', url: '/flags/banner', payload: { status: false } });
      await clock.advance(1000);
      expect(receiver.received.length - before).toBe(1);
      const [refused] = (await app().inject({ method: 'GET', url: `/webhooks/${elsewhere}/deliveries` })).json()
        .deliveries;
      expect(refused).toMatchObject({ status: 'pending', last_error: 'localhost is not one of WEBHOOK_ALLOWED_HOSTS' });
    } finally {
      await receiver.close();
    }
  });
});

describe.skipIf(!postgresAdminUrl)('webhooks from two instances on one PostgreSQL', () => {
  const clock = new ManualClock(Date.now());
  const apps: FastifyInstance[] = [];
  let drop: () => Promise<void>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    const database = await createPostgresDatabase();
    drop = database.drop;
    receiver = await startReceiver();
    apps.push(await buildTestApp(database, hookEnv, clock));
    apps.push(await buildTestApp(database, hookEnv, clock));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await receiver?.close();
    await drop?.();
  });

  it('sends each delivery exactly once, both instances claiming at the same moments', async () => {
    const [a, b] = apps;
    const hook = (
      await a.inject({ method: 'POST', url: '/webhooks', payload: { url: receiver.url(), events: ['flag.*'] } })
    ).json();
    // 60 changes through both instances: three batches' worth for the two workers to share.
    for (let i = 0; i < 60; i++) {
      const res = await (i % 2 ? a : b).inject({ method: 'POST', url: '/flags', payload: { flag_name: `f${i}` } });
      expect(res.statusCode, res.body).toBe(201);
    }
    await clock.advance(3000);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const page = (await b.inject({ method: 'GET', url: `/webhooks/${hook.id}/deliveries?limit=100` })).json();
    expect(
      page.deliveries.every((d: { status: string; attempts: number }) => d.status === 'delivered' && d.attempts === 1),
    ).toBe(true);
  });
});
