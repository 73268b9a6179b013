import { EventSource } from 'eventsource';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { builtOnce } from '../../src/areas/streams/stream-routes.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestServer } from '../support/test-app.js';

/** An SSE client on fetch: the events as they arrive, parsed. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: { id?: string; event?: string; data?: string; comment?: string }[] = [];
  let buffer = '';
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: (typeof events)[number] = {};
          for (const line of block.split('\n')) {
            const [, field, value] = /^([^:]*):? ?(.*)$/.exec(line)!;
            if (field === '') event.comment = value;
            else (event as Record<string, string>)[field] = value;
          }
          events.push(event);
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  const next = async (matching: (e: (typeof events)[number]) => boolean, timeoutMs = 2000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(matching);
      if (found) {
        events.splice(events.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    res,
    events,
    next,
    /** Resolves once the server ends the stream. */
    ended: reading,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe('server-sent events', () => {
  const clock = new ManualClock(Date.now());
  const server = useTestServer({
    clock,
    env: { STREAM_LIMIT_PER_KEY: '3', STREAM_HEARTBEAT_MS: '15000', RATE_LIMIT_WRITES: '0' },
    seed: async (app) => {
      for (const flag_name of ['banner', 'checkout']) {
        await app.inject({ method: 'POST', url: '/flags', payload: { flag_name, status: true } });
      }
      await app.inject({
        method: 'POST',
        url: '/projects/default/environments',
        payload: { key: 'staging', name: 'Staging' },
      });
    },
  });
  const write = (method: 'PUT' | 'PATCH', path: string, payload: object, headers: Record<string, string> = {}) =>
    server.app().inject({ method, url: path, payload, headers });
  afterAll(() => OpenFeature.close());

  it('GET /stream: the revision, then each change with its flags; Last-Event-ID replays what was missed', async () => {
    const stream = await connect(`${server.baseUrl()}/stream`);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await stream.next((e) => e.event === 'revision');
    const revision = JSON.parse(first.data!).revision;
    expect(first.id).toBe(String(revision));

    await write('PUT', '/flags/banner', { rollout_percentage: 50 });
    const change = await stream.next((e) => e.event === 'change');
    const data = JSON.parse(change.data!);
    expect(data.flags).toEqual(['banner']);
    expect(data.revision).toBeGreaterThan(revision);
    expect(change.id).toBe(String(data.revision));
    // Another environment's change does not reach this stream.
    await write('PATCH', '/projects/default/environments/staging/flags/checkout', { status: true });
    await write('PUT', '/flags/checkout', { rollout_percentage: 10 });
    const last = await stream.next((e) => e.event === 'change');
    expect(JSON.parse(last.data!).flags).toEqual(['checkout']);
    expect(stream.events.filter((e) => e.event === 'change')).toEqual([]);
    await stream.close();

    // Missed while away: replayed in order on reconnecting.
    await write('PUT', '/flags/banner', { rollout_percentage: 60 });
    await write('PUT', '/flags/checkout', { rollout_percentage: 20 });
    const resumed = await connect(`${server.baseUrl()}/stream`, { 'last-event-id': last.id! });
    const replayed = [await resumed.next((e) => e.event === 'change'), await resumed.next((e) => e.event === 'change')];
    expect(replayed.map((e) => JSON.parse(e.data!).flags)).toEqual([['banner'], ['checkout']]);
    expect(resumed.events.filter((e) => e.event === 'revision')).toEqual([]);
    await resumed.close();
    // From before this instance kept changes: reload everything.
    const tooOld = await connect(`${server.baseUrl()}/stream`, { 'last-event-id': '0' });
    expect(JSON.parse((await tooOld.next((e) => e.event === 'reload')).data!).revision).toBeGreaterThan(0);
    await tooOld.close();
  });

  it('keeps idle streams alive with a heartbeat comment', async () => {
    const stream = await connect(`${server.baseUrl()}/projects/default/environments/staging/stream`);
    await stream.next((e) => e.event === 'revision');
    await clock.advance(15_000);
    await stream.next((e) => e.comment === 'heartbeat');
    const metrics = async () => (await server.app().inject({ method: 'GET', url: '/metrics' })).body;
    expect(await metrics()).toMatch(/^feature_flags_streams_open 1$/m);
    await stream.close();
    // The server notices the closed connection on its own time.
    for (let i = 0; i < 100 && /^feature_flags_streams_open 1$/m.test(await metrics()); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await metrics()).toMatch(/^feature_flags_streams_open 0$/m);
  });

  it('OFREP: the bulk evaluation names an event stream that says refetchEvaluation; flagConfigEtag and ETag give 304', async () => {
    const bulk = async (query = '', headers: Record<string, string> = {}) =>
      fetch(`${server.baseUrl()}/ofrep/v1/evaluate/flags${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ context: { targetingKey: 'alice' } }),
      });
    const first = await bulk();
    const body = (await first.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
    expect(body.eventStreams).toEqual([
      {
        type: 'sse',
        endpoint: { requestUri: expect.stringMatching(/^\/ofrep\/v1\/event-stream\?token=/) },
        inactivityDelaySec: 120,
      },
    ]);
    const etag = first.headers.get('etag')!;
    // A browser's EventSource: no headers, the token in the URL.
    const source = new EventSource(`${server.baseUrl()}${body.eventStreams[0].endpoint.requestUri}`);
    const messages: MessageEvent[] = [];
    source.onmessage = (message) => messages.push(message);
    await new Promise((resolve) => (source.onopen = resolve));
    await write('PUT', '/flags/banner', { status: false });
    const deadline = Date.now() + 2000;
    while (messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    source.close();
    expect(messages).toHaveLength(1);
    const data = JSON.parse(messages[0].data);
    expect(data).toEqual({
      type: 'refetchEvaluation',
      etag: expect.stringMatching(/^"\d+"$/),
      lastModified: expect.any(Number),
    });
    expect(messages[0].lastEventId).toBe(data.etag.replaceAll('"', ''));

    const query = `?flagConfigEtag=${encodeURIComponent(data.etag)}&flagConfigLastModified=${data.lastModified}`;
    const changed = await bulk(query, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    const { flags } = (await changed.json()) as { flags: { key: string }[] };
    const banner = flags.find((f) => f.key === 'banner');
    expect(banner).toMatchObject({ value: false, reason: 'DISABLED' });
    const again = await bulk(query, { 'if-none-match': changed.headers.get('etag')! });
    expect(again.status).toBe(304);
    await write('PUT', '/flags/banner', { status: true });
  });

  it('the OpenFeature web provider follows the stream: a change reaches it without polling', async () => {
    (globalThis as { EventSource?: unknown }).EventSource = EventSource;
    await write('PUT', '/flags/checkout', { status: true, rollout_percentage: 100 });
    await OpenFeature.setContext({ targetingKey: 'alice' });
    await OpenFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl: server.baseUrl(), pollInterval: 0 }));
    const client = OpenFeature.getClient();
    expect(client.getBooleanValue('checkout', false)).toBe(true);
    const changed = new Promise((resolve) => client.addHandler(ProviderEvents.ConfigurationChanged, resolve));
    // The stream connects just after the first evaluation.
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await write('PUT', '/flags/checkout', { status: false });
    await changed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(client.getBooleanValue('checkout', true)).toBe(false);
  });

  it('says reload, not a list of names, for a change of more than 100 flags, and builds each text once', async () => {
    const stream = await connect(`${server.baseUrl()}/stream`);
    await stream.next((e) => e.event === 'revision');
    const exported = (await server.app().inject({ method: 'GET', url: '/projects/default/export' })).json();
    const template = exported.flags[0];
    exported.flags.push(
      ...Array.from({ length: 150 }, (_, i) => ({ ...template, flag_name: `bulk_${String(i).padStart(3, '0')}` })),
    );
    const imported = await server.app().inject({
      method: 'POST',
      url: '/projects/default/import',
      payload: { document: exported, mode: 'merge' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const reload = await stream.next((e) => e.event === 'reload');
    expect(JSON.parse(reload.data!)).toEqual({ revision: Number(reload.id) });
    expect(stream.events.filter((e) => e.event === 'change')).toEqual([]);
    // A change of a few flags still names them.
    await write('PUT', '/flags/bulk_000', { rollout_percentage: 30 });
    expect(JSON.parse((await stream.next((e) => e.event === 'change')).data!).flags).toEqual(['bulk_000']);
    await stream.close();

    let built = 0;
    const text = builtOnce((change) => `${++built}:${change.revision}`);
    const change = { environmentId: 1, revision: 7, at: 0, flags: ['a'] };
    expect([text(change), text(change), text(change)]).toEqual(['1:7', '1:7', '1:7']);
    expect(text({ ...change, revision: 8 })).toBe('2:8');
  });

  it('needs a key once keys exist, refuses a forged token, and limits the streams each key holds', async () => {
    const admin = await server
      .app()
      .inject({ method: 'POST', url: '/api-keys', payload: { name: 'root', scope: 'admin' } });
    const auth = { authorization: `Bearer ${admin.json().secret}` };
    expect((await fetch(`${server.baseUrl()}/stream`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl()}/stream?token=1.open.forged`)).status).toBe(401);
    const open = await Promise.all([0, 1, 2].map(() => connect(`${server.baseUrl()}/stream`, auth)));
    for (const stream of open) expect(stream.res.status).toBe(200);
    const refused = await fetch(`${server.baseUrl()}/stream`, { headers: auth });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/Too many open streams/);
    await open[0].close();
    await new Promise((r) => setTimeout(r, 50));
    const another = await connect(`${server.baseUrl()}/stream`, auth);
    expect(another.res.status).toBe(200);
    for (const stream of [...open.slice(1), another]) await stream.close();
  });
});

describe('streams of a revoked key, and stream tokens that run out', () => {
  const clock = new ManualClock(Date.now());
  const ADMIN = 'stream-admin-key-0123456789-0123456789';
  // Long periods, so moving the clock by a day takes few rounds of periodic work.
  const HEARTBEAT_MS = 600_000;
  const server = useTestServer({
    clock,
    env: {
      ADMIN_API_KEY: ADMIN,
      STREAM_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SNAPSHOT_POLL_MS: '3600000',
      RATE_LIMIT_WRITES: '0',
    },
    seed: async (app) => {
      const headers = { authorization: `Bearer ${ADMIN}` };
      await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'banner', status: true }, headers });
    },
  });
  const admin = async (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    server.app().inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN}` } });
  const evaluateKey = async (name: string) => {
    const { id, secret } = (await admin('POST', '/api-keys', { name, scope: 'evaluate' })).json();
    return { id: id as string, auth: { authorization: `Bearer ${secret}` } };
  };
  /** The OFREP bulk evaluation's event-stream URL for this key. */
  const tokenStreamUrl = async (auth: Record<string, string>) => {
    const res = await fetch(`${server.baseUrl()}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ context: { targetingKey: 'alice' } }),
    });
    const body = (await res.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
    return `${server.baseUrl()}${body.eventStreams[0].endpoint.requestUri}`;
  };
  const within = <T>(promise: Promise<T>, ms = 2000) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

  it("closes every open stream of a key when it is revoked, its token's too, and keeps other keys' open", async () => {
    const revoked = await evaluateKey('revoked');
    const kept = await evaluateKey('kept');
    const tokenUrl = await tokenStreamUrl(revoked.auth);
    const streams = await Promise.all([
      ...[0, 1, 2, 3, 4].map(() => connect(`${server.baseUrl()}/stream`, revoked.auth)),
      connect(tokenUrl),
    ]);
    const other = await connect(`${server.baseUrl()}/stream`, kept.auth);
    for (const stream of [...streams, other]) expect(stream.res.status).toBe(200);
    await other.next((e) => e.event === 'revision');

    expect((await admin('DELETE', `/api-keys/${revoked.id}`)).statusCode).toBe(200);
    await within(Promise.all(streams.map((stream) => stream.ended)));
    await admin('PUT', '/flags/banner', { rollout_percentage: 40 });
    await other.next((e) => e.event === 'change');
    for (const stream of streams) {
      expect(stream.events.filter((e) => e.event === 'change' || e.event === 'message')).toEqual([]);
    }
    // And new ones are refused, as before.
    expect((await fetch(`${server.baseUrl()}/stream`, { headers: revoked.auth })).status).toBe(401);
    expect((await fetch(tokenUrl)).status).toBe(401);
    await other.close();
  });

  it('ends a stream token 24 hours (to the hour) after the bulk evaluation that gave it; a new one works', async () => {
    const key = await evaluateKey('browser');
    const tokenUrl = await tokenStreamUrl(key.auth);
    const expiresAt = Number(/\.(\d+)\.[\w-]+$/.exec(new URL(tokenUrl).searchParams.get('token')!)![1]) * 1000;
    expect(expiresAt - clock.now()).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(expiresAt - clock.now()).toBeLessThanOrEqual(25 * 3_600_000);
    expect(expiresAt % 3_600_000).toBe(0);
    // The same token all hour long: the bulk evaluation's ETag does not move with it.
    expect(await tokenStreamUrl(key.auth)).toBe(tokenUrl);

    const stream = await connect(tokenUrl);
    expect(stream.res.status).toBe(200);
    // Open until its last moment, heartbeats and all.
    await clock.advance(expiresAt - clock.now() - 1);
    await stream.next((e) => e.comment === 'heartbeat');
    // The first heartbeat at or past the expiry ends it instead.
    await clock.advance(HEARTBEAT_MS);
    await within(stream.ended);
    expect((await fetch(tokenUrl)).status).toBe(401);

    const renewed = await tokenStreamUrl(key.auth);
    expect(renewed).not.toBe(tokenUrl);
    const again = await connect(renewed);
    expect(again.res.status).toBe(200);
    await again.close();
  });
});
