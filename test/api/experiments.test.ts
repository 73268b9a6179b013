import { describe, expect, it } from 'vitest';
import { compare, DEFAULT_SEQUENTIAL_TUNING } from '../../src/core/statistics.js';
import { backends, query } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const DAY_MS = 86_400_000;

describe.each(backends)('experiments on $name', (backend) => {
  // Exposures are written every 1,000 ms of this clock, events swept every hour of it; the
  // configuration is polled hourly too, so moving the clock by a day takes no database round trips a second.
  const clock = new ManualClock();
  const { app, database } = useTestAppAndDatabase(backend, {
    clock,
    env: { EVENT_RETENTION_DAYS: '30', SNAPSHOT_POLL_MS: '3600000' },
    seed: async (app) => {
      const variants = [
        { key: 'control', weight: 50 },
        { key: 'treatment', weight: 50 },
      ];
      for (const flag_name of ['new_checkout', 'second', 'third']) {
        await app.inject({ method: 'POST', url: '/flags', payload: { flag_name, status: true, variants } });
      }
      await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'plain', status: true } });
    },
  });
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    app().inject({ method, url, payload });
  const variantOf = async (flag: string, user: string) =>
    (await inject('GET', `/users/${user}/flags/${flag}`)).json().variant as string | null;
  const exposures = async (experiment: string) =>
    (await query(
      database(),
      `SELECT x.user_id, x.variant, x.multiple FROM exposures x JOIN experiments e ON e.id = x.experiment_id ` +
        `WHERE e.experiment_key = '${experiment}' ORDER BY x.user_id`,
    )) as { user_id: string; variant: string; multiple: unknown }[];
  const events = (batch: object[]) => inject('POST', '/events', { events: batch });
  /** `count` users of each variant as the flag splits them now (`prefix-0`, `prefix-1`…). */
  const usersPerVariant = async (flag: string, prefix: string, count: number) => {
    const byVariant: Record<string, string[]> = { control: [], treatment: [] };
    for (let i = 0; byVariant.control.length < count || byVariant.treatment.length < count; i++) {
      const user = `${prefix}-${i}`;
      const variant = (await variantOf(flag, user))!;
      if (byVariant[variant].length < count) byVariant[variant].push(user);
    }
    return byVariant;
  };
  const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];

  describe.skipIf(!backend.available)('', () => {
    it('refuses what cannot be an experiment, with problem details, and stores nothing', async () => {
      const cases: [object, number, RegExp][] = [
        [{ key: 'x', flag_name: 'missing', control: 'control', metrics }, 400, /flag "missing" not found/],
        [{ key: 'x', flag_name: 'plain', control: 'control', metrics }, 400, /needs at least two variants/],
        [{ key: 'x', flag_name: 'new_checkout', control: 'nope', metrics }, 400, /"nope" is not a variant/],
        [{ key: 'x', flag_name: 'new_checkout', control: 'control', metrics: [] }, 400, /metrics/],
        [
          { key: 'x', flag_name: 'new_checkout', control: 'control', metrics: [...metrics, ...metrics] },
          400,
          /metric "purchase" appears twice/,
        ],
        [
          { key: 'x', flag_name: 'new_checkout', control: 'control', metrics: [{ ...metrics[0], type: 'ratio' }] },
          400,
          /type/,
        ],
      ];
      for (const [payload, status, detail] of cases) {
        const res = await inject('POST', '/experiments', payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().detail).toMatch(detail);
      }
      expect((await inject('GET', '/experiments')).json()).toEqual([]);
      expect((await inject('GET', '/experiments/x')).statusCode).toBe(404);
      expect((await inject('POST', '/experiments/x/start')).statusCode).toBe(404);
    });

    it('runs one experiment per flag at a time, and goes draft → running → stopped once', async () => {
      const created = await inject('POST', '/experiments', {
        key: 'first_try',
        flag_name: 'second',
        control: 'control',
        metrics,
        hypothesis: 'Treatment converts better',
      });
      expect(created.statusCode).toBe(201);
      expect(created.headers.location).toBe('/experiments/first_try');
      // Sequential, as a project's experiment settings say by default.
      expect(created.json()).toMatchObject({ status: 'draft', started_at: null, sequential: true });
      expect(
        (await inject('POST', '/experiments', { key: 'first_try', flag_name: 'second', control: 'control', metrics }))
          .statusCode,
      ).toBe(409);
      await inject('POST', '/experiments', { key: 'rival', flag_name: 'second', control: 'control', metrics });

      const started = await inject('POST', '/experiments/first_try/start');
      expect(started.statusCode).toBe(200);
      expect(started.json()).toMatchObject({ status: 'running', started_at: new Date(clock.now()).toISOString() });
      const rival = await inject('POST', '/experiments/rival/start');
      expect(rival.statusCode).toBe(409);
      expect(rival.json().detail).toMatch(/already runs experiment "first_try"/);
      expect((await inject('POST', '/experiments/first_try/start')).statusCode).toBe(409);

      expect((await inject('POST', '/experiments/first_try/stop')).json().status).toBe('stopped');
      expect((await inject('POST', '/experiments/first_try/stop')).statusCode).toBe(409);
      expect((await inject('POST', '/experiments/rival/start')).statusCode).toBe(200);
      await inject('POST', '/experiments/rival/stop');

      const history = (await inject('GET', '/audit?limit=200')).json().entries as { action: string; target: string }[];
      expect(history.filter((e) => e.target === 'first_try').map((e) => e.action)).toEqual([
        'experiment.stopped',
        'experiment.started',
        'experiment.created',
      ]);
    });

    it('records first exposures from every evaluation endpoint, in batches, and none for users without a variant', async () => {
      await inject('POST', '/experiments', { key: 'endpoints', flag_name: 'third', control: 'control', metrics });
      await inject('POST', '/experiments/endpoints/start');
      await inject('GET', '/users/single/flags/third');
      await inject('GET', '/users/all-enabled/flags');
      await inject('POST', '/evaluate', { user_id: 'evaluate-all' });
      await inject('POST', '/evaluate/third', { user_id: 'evaluate-one' });
      await inject('POST', '/ofrep/v1/evaluate/flags/third', { context: { targetingKey: 'ofrep-one' } });
      await inject('POST', '/ofrep/v1/evaluate/flags', { context: { targetingKey: 'ofrep-bulk' } });
      // Buffered, not yet written.
      expect(await exposures('endpoints')).toEqual([]);
      await clock.advance(1000);
      const written = await exposures('endpoints');
      expect(written.map((x) => x.user_id)).toEqual([
        'all-enabled',
        'evaluate-all',
        'evaluate-one',
        'ofrep-bulk',
        'ofrep-one',
        'single',
      ]);
      for (const x of written) expect(x.variant).toBe(await variantOf('third', x.user_id));

      // Off for everyone: no variant, no exposure.
      await inject('PATCH', '/flags/third', { status: false });
      await inject('GET', '/users/nobody/flags/third');
      await clock.advance(1000);
      expect((await exposures('endpoints')).map((x) => x.user_id)).not.toContain('nobody');
      await inject('PATCH', '/flags/third', { status: true });
      await inject('POST', '/experiments/endpoints/stop');
    });

    it("answers gbstats' numbers for 14 of 28 against 16 of 30 (the issue's example)", async () => {
      await inject('POST', '/experiments', {
        key: 'checkout_test',
        flag_name: 'new_checkout',
        control: 'control',
        metrics,
        sequential: false,
      });
      const empty = (await inject('GET', '/experiments/checkout_test/results')).json();
      expect(empty.variants).toEqual([
        { key: 'control', weight: 50, users: 0 },
        { key: 'treatment', weight: 50, users: 0 },
      ]);
      expect(empty.srm).toEqual({ p_value: null, healthy: null });
      expect(empty.metrics[0].variants[1]).toEqual({
        key: 'treatment',
        users: 0,
        conversions: 0,
        rate: 0,
        interval: [0, 0],
        relative: null,
      });
      // Users as the flag splits them, found while the experiment is a draft (so none is exposed yet).
      const groups: Record<string, string[]> = { control: [], treatment: [] };
      const wanted: Record<string, number> = { control: 28, treatment: 30 };
      for (let i = 0; groups.control.length < 28 || groups.treatment.length < 30; i++) {
        const user = `user-${i}`;
        const variant = (await variantOf('new_checkout', user))!;
        if (groups[variant].length < wanted[variant]) groups[variant].push(user);
      }
      expect((await inject('POST', '/experiments/checkout_test/start')).statusCode).toBe(200);
      for (const user of [...groups.control, ...groups.treatment]) await variantOf('new_checkout', user);
      await clock.advance(1000);
      const converted = [...groups.control.slice(0, 14), ...groups.treatment.slice(0, 16)];
      const accepted = await events(converted.map((user_id) => ({ type: 'track', event: 'purchase', user_id })));
      expect(accepted.statusCode).toBe(202);
      expect(accepted.json()).toEqual({ accepted: 30, duplicates: 0, rejected: [] });

      const res = await inject('GET', '/experiments/checkout_test/results');
      expect(res.statusCode).toBe(200);
      const results = res.json();
      const users = Object.fromEntries(results.variants.map((v: { key: string; users: number }) => [v.key, v.users]));
      expect(users).toEqual({ control: 28, treatment: 30 });
      expect(results).toMatchObject({
        experiment: 'checkout_test',
        flag_name: 'new_checkout',
        status: 'running',
        multiple_exposures: 0,
        warnings: [],
      });
      expect(results.srm.p_value).toBeCloseTo(0.7928, 4);
      expect(results.srm.healthy).toBe(true);
      const [control, treatment] = results.metrics[0].variants;
      expect(control).toEqual({
        key: 'control',
        users: 28,
        conversions: 14,
        rate: 0.5,
        // 0.5 ± 1.959964 × √(0.25 / 28)
        interval: [expect.closeTo(0.31480081, 7), expect.closeTo(0.68519919, 7)],
      });
      expect(treatment).toMatchObject({ key: 'treatment', users: 30, conversions: 16 });
      expect(treatment.rate).toBeCloseTo(0.5333, 4);
      const { estimate, frequentist, bayesian } = treatment.relative;
      expect(estimate).toBeCloseTo(0.06667, 5);
      expect(frequentist.p_value).toBeCloseTo(0.80707, 5);
      expect(frequentist.ci[0]).toBeCloseTo(-0.47767, 5);
      expect(frequentist.ci[1]).toBeCloseTo(0.61101, 5);
      expect(bayesian.chance_to_win).toBeCloseTo(0.5969, 4);
      expect(bayesian.ci[0]).toBeCloseTo(-0.4659, 4);
      expect(bayesian.ci[1]).toBeCloseTo(0.5992, 4);
      expect(bayesian.risk[0]).toBeCloseTo(0.145, 4);
      expect(bayesian.risk[1]).toBeCloseTo(0.0783, 4);

      // A retried batch with event ids is stored once.
      const batch = [{ type: 'track', event: 'purchase', user_id: groups.control[20], event_id: 'order-1' }];
      expect((await events(batch)).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      expect((await events(batch)).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      const after = (await inject('GET', '/experiments/checkout_test/results')).json();
      expect(after.metrics[0].variants[0].conversions).toBe(15);

      const daily = (await inject('GET', '/experiments/checkout_test/results?series=daily')).json();
      expect(daily.metrics[0].series).toEqual([
        { key: 'control', points: [{ date: '2026-12-01', users: 28, conversions: 15, rate: 15 / 28 }] },
        { key: 'treatment', points: [{ date: '2026-12-01', users: 30, conversions: 16, rate: 16 / 30 }] },
      ]);
    });

    it('refuses each exposure the service would not have made and each bad field alone, storing the rest', async () => {
      const user = 'poisoner';
      const real = (await variantOf('new_checkout', user))!;
      const other = real === 'control' ? 'treatment' : 'control';
      const before = (await exposures('checkout_test')).length;
      const cases: [unknown, RegExp][] = [
        [{ type: 'exposure', experiment: 'checkout_test', user_id: user, variant: other }, /assigns user "poisoner"/],
        [{ type: 'exposure', experiment: 'checkout_test', user_id: user, variant: 'ghost' }, /not a variant/],
        [{ type: 'exposure', experiment: 'nope', user_id: user, variant: real }, /experiment "nope" not found/],
        [{ type: 'exposure', experiment: 'first_try', user_id: user, variant: real }, /is stopped/],
        [{ type: 'track', event: 'purchase', user_id: user, value: 'ten' }, /^value: /],
        [{ type: 'track', event: 'purchase', user_id: user, value: 1e13 }, /^value: must be within ±1e12/],
        [{ type: 'track', event: 'purchase', user_id: 'nul\u0000user' }, /^user_id: must not contain the NUL/],
        [{ type: 'track', event: 'purchase', user_id: 'lone\ud800' }, /^user_id: must be valid Unicode/],
        [{ type: 'track', event: 'pur\u0000chase', user_id: user }, /^event: must not contain the NUL/],
        [{ type: 'track', event: 'purchase', user_id: user, event_id: 'id\u0000' }, /^event_id: must not contain/],
        [
          { type: 'exposure', experiment: 'checkout_test', user_id: user, variant: real, attributes: { '\ud800': 1 } },
          /^attributes\/\ud800: its name must be valid Unicode/,
        ],
        [{ type: 'click', user_id: user }, /^type: /],
        ['not an object', /expected object/],
      ];
      for (const [index, [event, reason]] of cases.entries()) {
        const bystander = `bystander-${index}`;
        const res = await events([
          { type: 'track', event: 'purchase', user_id: bystander, event_id: bystander },
          event as object,
        ]);
        expect(res.statusCode, JSON.stringify(event)).toBe(202);
        expect(res.json()).toEqual({
          accepted: 1,
          duplicates: 0,
          rejected: [{ index: 1, reason: expect.any(String) }],
        });
        expect(res.json().rejected[0].reason).toMatch(reason);
      }
      const stored = await query(database(), "SELECT COUNT(*) AS n FROM events WHERE event_id LIKE 'bystander-%'");
      expect(Number(stored[0].n)).toBe(cases.length);
      expect((await exposures('checkout_test')).length).toBe(before);

      // What is not a batch of 1 to 1,000 items stays a 400, storing nothing.
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ type: 'track', event: 'e', user_id: `u${i}` }));
      for (const body of [{ events: tooMany }, { events: [] }, { events: 'none' }, [{ type: 'track' }], { other: 1 }]) {
        const res = await app().inject({ method: 'POST', url: '/events', payload: body });
        expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      const notJson = await app().inject({
        method: 'POST',
        url: '/events',
        headers: { 'content-type': 'application/json' },
        payload: '{"events": [',
      });
      expect(notJson.statusCode).toBe(400);
      expect(Number((await query(database(), "SELECT COUNT(*) AS n FROM events WHERE event = 'e'"))[0].n)).toBe(0);

      const ok = await events([{ type: 'exposure', experiment: 'checkout_test', user_id: user, variant: real }]);
      expect(ok.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      expect((await exposures('checkout_test')).find((x) => x.user_id === user)?.variant).toBe(real);
    });

    it('refuses timestamps in the future or past the retention one by one, saying which', async () => {
      const at = (ms: number) => new Date(clock.now() + ms).toISOString();
      const res = await events([
        { type: 'track', event: 'late', user_id: 'a', timestamp: at(-30 * DAY_MS + 30 * 60_000) },
        { type: 'track', event: 'late', user_id: 'b', timestamp: at(-31 * DAY_MS) },
        { type: 'track', event: 'late', user_id: 'c', timestamp: at(60 * 60_000) },
        { type: 'track', event: 'late', user_id: 'd', timestamp: at(60_000) },
      ]);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        accepted: 2,
        duplicates: 0,
        rejected: [
          { index: 1, reason: 'timestamp is older than the retention (30 days)' },
          { index: 2, reason: 'timestamp is in the future' },
        ],
      });
      const late = async () =>
        (await query(database(), "SELECT user_id FROM events WHERE event = 'late' ORDER BY user_id")).map(
          (r) => r.user_id,
        );
      expect(await late()).toEqual(['a', 'd']);
      // An hour on, "a" is past the 30 days: the hourly sweep deletes it.
      await clock.advance(60 * 60_000);
      expect(await late()).toEqual(['d']);
    });

    it('keeps a user seen in another variant in the first, counts them, and warns of changed weights', async () => {
      const flag = 'new_checkout';
      await inject('POST', '/experiments/checkout_test/stop');
      await inject('POST', '/experiments', { key: 'flip', flag_name: flag, control: 'control', metrics });
      await inject('POST', '/experiments/flip/start');
      const user = 'flipper';
      const first = (await variantOf(flag, user))!;
      await clock.advance(1000);
      // Everyone in the other variant now.
      const other = first === 'control' ? 'treatment' : 'control';
      const variants = [
        { key: 'control', weight: other === 'control' ? 100 : 0 },
        { key: 'treatment', weight: other === 'treatment' ? 100 : 0 },
      ];
      expect((await inject('PATCH', `/flags/${flag}`, { variants })).statusCode).toBe(200);
      expect(await variantOf(flag, user)).toBe(other);
      await clock.advance(1000);
      const [row] = (await exposures('flip')).filter((x) => x.user_id === user);
      expect(row.variant).toBe(first);
      expect(Boolean(row.multiple)).toBe(true);
      const results = (await inject('GET', '/experiments/flip/results')).json();
      expect(results.multiple_exposures).toBe(1);
      expect(results.warnings).toEqual([
        "The flag's variant weights changed while the experiment ran; the sample-ratio check uses the current ones",
      ]);
      expect(results.variants.find((v: { key: string }) => v.key === first).users).toBe(1);
    });

    it('computes a mean metric per user, with users without events as 0', async () => {
      const flag = 'second';
      await inject('PATCH', `/flags/${flag}`, {
        variants: [
          { key: 'control', weight: 50 },
          { key: 'treatment', weight: 50 },
        ],
      });
      await inject('POST', '/experiments', {
        key: 'revenue',
        flag_name: flag,
        control: 'control',
        metrics: [{ key: 'revenue', event: 'order', type: 'mean', window_hours: 24 }],
      });
      const byVariant = await usersPerVariant(flag, 'buyer', 3);
      await inject('POST', '/experiments/revenue/start');
      for (const user of [...byVariant.control, ...byVariant.treatment]) await variantOf(flag, user);
      await clock.advance(1000);
      const [c1, c2] = byVariant.control;
      const [t1, t2] = byVariant.treatment;
      const at = (ms: number) => new Date(clock.now() + ms).toISOString();
      await events([
        { type: 'track', event: 'order', user_id: c1, value: 10 },
        { type: 'track', event: 'order', user_id: c1, value: 5 },
        { type: 'track', event: 'order', user_id: c2, value: 3 },
        { type: 'track', event: 'order', user_id: t1, value: 20 },
        { type: 'track', event: 'order', user_id: t2, value: 4 },
        // Outside the 24-hour window, and before the exposure: neither counts.
        { type: 'track', event: 'order', user_id: t2, value: 1000, timestamp: at(-2 * DAY_MS) },
      ]);
      await clock.advance(25 * 60 * 60_000);
      await events([{ type: 'track', event: 'order', user_id: t1, value: 1000 }]);
      const results = (await inject('GET', '/experiments/revenue/results')).json();
      const [control, treatment] = results.metrics[0].variants;
      // Per user: control 15, 3, 0; treatment 20, 4, 0.
      expect(control).toMatchObject({ key: 'control', users: 3, sum: 18, mean: 6 });
      expect(control.stddev).toBeCloseTo(Math.sqrt(((15 - 6) ** 2 + (3 - 6) ** 2 + 36) / 2), 10);
      expect(treatment).toMatchObject({ key: 'treatment', users: 3, sum: 24, mean: 8 });
      expect(treatment.relative.estimate).toBeCloseTo(2 / 6, 10);
    });

    it('keeps answering results whatever values were stored: out-of-range ones count at the bound', async () => {
      const flag = 'second';
      await inject('POST', '/experiments', {
        key: 'extreme',
        flag_name: flag,
        control: 'control',
        metrics: [{ key: 'revenue', event: 'huge', type: 'mean' }],
      });
      const byVariant = await usersPerVariant(flag, 'extreme', 3);
      await inject('POST', '/experiments/revenue/stop');
      expect((await inject('POST', '/experiments/extreme/start')).statusCode).toBe(200);
      const everyone = [...byVariant.control, ...byVariant.treatment];
      for (const user of everyone) await variantOf(flag, user);
      await clock.advance(1000);

      // The probe's inputs: refused one by one, except a magnitude below 1e-12, stored as 0.
      const res = await events([
        { type: 'track', event: 'huge', user_id: everyone[0], value: 1e308 },
        { type: 'track', event: 'huge', user_id: everyone[0], value: 1e160 },
        { type: 'track', event: 'huge', user_id: everyone[0], value: -1e13 },
        { type: 'track', event: 'huge', user_id: everyone[0], value: 5e-324, event_id: 'tiny' },
        { type: 'track', event: 'huge', user_id: everyone[1], value: 1e12 },
      ]);
      expect(res.json()).toEqual({
        accepted: 2,
        duplicates: 0,
        rejected: [0, 1, 2].map((index) => ({ index, reason: 'value: must be within ±1e12' })),
      });
      const [tiny] = await query(database(), "SELECT value FROM events WHERE event_id = 'tiny'");
      expect(Number(tiny.value)).toBe(0);

      // Rows stored before the range was checked, as the probe stored them: 1e308 for one user,
      // 1e160 for every user, 5e-324. They count as ±1e12 and 0.
      const environment = (
        await query(database(), "SELECT id FROM environments WHERE environment_key = 'production'")
      )[0].id;
      const rows = [
        ...everyone.map((user) => `(${environment}, 'huge', '${user}', 1e160, ${clock.now()})`),
        `(${environment}, 'huge', '${everyone[2]}', 1e308, ${clock.now()})`,
        `(${environment}, 'huge', '${everyone[3]}', 5e-324, ${clock.now()})`,
      ];
      await query(
        database(),
        `INSERT INTO events (environment_id, event, user_id, value, at_ms) VALUES ${rows.join(', ')}`,
      );
      for (const series of ['', '?series=daily']) {
        const results = await inject('GET', `/experiments/extreme/results${series}`);
        expect(results.statusCode, results.body).toBe(200);
        const [control, treatment] = results.json().metrics[0].variants;
        const totals = (users: string[]) =>
          users.map((user) => 1e12 * (1 + (user === everyone[1] ? 1 : 0) + (user === everyone[2] ? 1 : 0)));
        const expectedSum = (users: string[]) => totals(users).reduce((a, b) => a + b, 0);
        expect(control.sum).toBe(expectedSum(byVariant.control));
        expect(treatment.sum).toBe(expectedSum(byVariant.treatment));
        expect(Number.isFinite(control.stddev) && Number.isFinite(treatment.interval[1])).toBe(true);
        expect(results.json().metrics[0].warnings).toEqual([]);
      }
      await inject('POST', '/experiments/extreme/stop');
    });

    it('reads a sequential experiment with the sequential interval, and adds up the days of its series', async () => {
      const flag = 'third';
      await inject('POST', '/experiments', {
        key: 'daily_looks',
        flag_name: flag,
        control: 'control',
        metrics,
        sequential: true,
      });
      const byVariant = await usersPerVariant(flag, 'looker', 20);
      await inject('POST', '/experiments/daily_looks/start');
      const startedAt = clock.now();
      // Day one: half of each variant exposed, a few convert; day two: the rest, and more conversions.
      for (const day of [0, 1]) {
        for (const variant of ['control', 'treatment']) {
          for (const user of byVariant[variant].slice(day * 10, day * 10 + 10)) await variantOf(flag, user);
        }
        await clock.advance(1000);
        const buyers = [...byVariant.control.slice(0, 4 + day * 4), ...byVariant.treatment.slice(0, 6 + day * 6)];
        await events(buyers.map((user_id) => ({ type: 'track', event: 'purchase', user_id })));
        if (day === 0) await clock.advance(DAY_MS);
      }
      const results = (await inject('GET', '/experiments/daily_looks/results?series=daily')).json();
      const [control, treatment] = results.metrics[0].variants;
      expect([control.users, control.conversions, treatment.users, treatment.conversions]).toEqual([20, 8, 20, 12]);
      const expected = compare(
        { n: 20, sum: 8 },
        { n: 20, sum: 12 },
        { alpha: 0.05, inverse: false, sequentialTuning: DEFAULT_SEQUENTIAL_TUNING },
      )!;
      expect(treatment.relative.frequentist).toEqual({
        p_value: expected.frequentist.pValue,
        ci: expected.frequentist.ci,
      });
      const fixed = compare({ n: 20, sum: 8 }, { n: 20, sum: 12 }, { alpha: 0.05, inverse: false })!;
      // Always-valid intervals are wider than the fixed-horizon one.
      expect(expected.frequentist.ci[1] - expected.frequentist.ci[0]).toBeGreaterThan(
        fixed.frequentist.ci[1] - fixed.frequentist.ci[0],
      );
      const day = (offset: number) => new Date(startedAt + offset * DAY_MS).toISOString().slice(0, 10);
      expect(results.metrics[0].series).toEqual([
        {
          key: 'control',
          points: [
            { date: day(0), users: 10, conversions: 4, rate: 0.4 },
            { date: day(1), users: 20, conversions: 8, rate: 0.4 },
          ],
        },
        {
          key: 'treatment',
          points: [
            { date: day(0), users: 10, conversions: 6, rate: 0.6 },
            { date: day(1), users: 20, conversions: 12, rate: 0.6 },
          ],
        },
      ]);
    });
  });
});
