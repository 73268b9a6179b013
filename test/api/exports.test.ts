import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, query } from '../helpers.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const variants = [
  { key: 'control', weight: 50 },
  { key: 'treatment', weight: 50 },
];
const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];

describe.each(backends)('exports on $name', (backend) => {
  const { app, database } = useTestAppAndDatabase(backend);
  const inject = (method: 'GET' | 'POST', url: string, payload?: object, headers?: Record<string, string>) =>
    app().inject({ method, url, payload, headers });
  const lines = (body: string) => body.split('\n').filter(Boolean);

  describe.skipIf(!backend.available)('', () => {
    const variantOf: Record<string, string> = {};
    beforeAll(async () => {
      await inject('POST', '/flags', { flag_name: 'checkout', status: true, variants });
      await inject('POST', '/experiments', {
        key: 'checkout_test',
        flag_name: 'checkout',
        control: 'control',
        metrics,
      });
      await inject('POST', '/experiments/checkout_test/start');
      for (const user of ['ann', 'bob', 'cy, "the third"']) {
        variantOf[user] = (await inject('GET', `/users/${encodeURIComponent(user)}/flags/checkout`)).json().variant;
      }
      await inject('POST', '/events', {
        events: Object.entries(variantOf).map(([user_id, variant]) => ({
          type: 'exposure',
          experiment: 'checkout_test',
          user_id,
          variant,
        })),
      });
      await inject('POST', '/events', {
        events: [
          { type: 'track', event: 'purchase', user_id: 'ann', value: 12.5, event_id: 'o-1' },
          { type: 'track', event: 'view', user_id: 'bob' },
          { type: 'track', event: 'purchase', user_id: 'cy, "the third"', value: 3 },
        ],
      });
    });

    it('streams exposures as NDJSON, resumable after the last user id', async () => {
      const res = await inject('GET', '/experiments/checkout_test/exposures/export');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      const rows = lines(res.body).map((l) => JSON.parse(l));
      expect(rows.map((r) => [r.user_id, r.variant, r.multiple])).toEqual([
        ['ann', variantOf.ann, false],
        ['bob', variantOf.bob, false],
        ['cy, "the third"', variantOf['cy, "the third"'], false],
      ]);
      expect(Date.parse(rows[0].exposed_at)).not.toBeNaN();
      const rest = await inject('GET', '/experiments/checkout_test/exposures/export?after=ann');
      expect(lines(rest.body).map((l) => JSON.parse(l).user_id)).toEqual(['bob', 'cy, "the third"']);
      expect((await inject('GET', '/experiments/nope/exposures/export')).statusCode).toBe(404);
    });

    it('streams events as CSV when asked, quoting what needs it, filtered by name and time', async () => {
      const res = await inject('GET', '/events/export?event=purchase', undefined, { accept: 'text/csv' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      const [header, ...rows] = res.body.split('\r\n').filter(Boolean);
      expect(header).toBe('id,event_id,event,user_id,value,timestamp');
      expect(rows.map((r) => r.replace(/^\d+,/, '').replace(/,[^,]+$/, ''))).toEqual([
        'o-1,purchase,ann,12.5',
        ',purchase,"cy, ""the third""",3',
      ]);
      const all = lines((await inject('GET', '/events/export')).body).map((l) => JSON.parse(l));
      expect(all.map((e) => e.event)).toEqual(['purchase', 'view', 'purchase']);
      const afterFirst = lines((await inject('GET', `/events/export?after=${all[0].id}`)).body);
      expect(afterFirst).toHaveLength(2);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await inject('GET', `/events/export?from=${future}`)).body).toBe('');
      for (const url of ['/events/export?from=yesterday', '/events/export?after=-1', '/events/export?colour=red']) {
        expect((await inject('GET', url)).statusCode, url).toBe(400);
      }
      expect(Number((await query(database(), 'SELECT COUNT(*) AS n FROM events'))[0].n)).toBe(3);
    });
  });
});

describe('exporting 1,000,000 events over HTTP', () => {
  const [sqlite] = backends;
  const { app, database } = useTestAppAndDatabase(sqlite);

  it('holds one page in memory, not the export', async () => {
    const now = Date.now();
    await query(
      database(),
      'INSERT INTO events (event, user_id, value, at_ms) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 ' +
        `FROM g WHERE n < 1000000) SELECT 'view', 'user-' || n, n % 100, ${now} FROM g`,
    );
    const baseUrl = await app().listen({ port: 0, host: '127.0.0.1' });
    // What the heap holds after a full collection: garbage left by rows already sent does not count.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = retained();
    let peak = 0;
    let bytes = 0;
    let newlines = 0;
    const res = await fetch(`${baseUrl}/events/export`);
    const reader = res.body!.getReader();
    for (let nextSample = 100_000; ;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const byte of value) if (byte === 10) newlines++;
      if (newlines >= nextSample) {
        peak = Math.max(peak, retained() - before);
        nextSample += 100_000;
      }
    }
    expect(res.status).toBe(200);
    expect(newlines).toBe(1_000_000);
    // About 100 MB of text went through; what stays in the heap meanwhile is a page or two.
    expect(bytes).toBeGreaterThan(80_000_000);
    expect(peak).toBeLessThan(20_000_000);
  }, 120_000);
});
