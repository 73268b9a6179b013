import { describe, expect, it } from 'vitest';
import { backends, query } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

// What a probe sent: user ids and attributes that PostgreSQL's text cannot hold, which used to stop
// every experiment's exposure recording in the process.
const NUL = 'nul\u0000user';
const LONE = 'lone\ud800';

describe.each(backends)('background writers on $name', (backend) => {
  const clock = new ManualClock();
  const { app, database } = useTestAppAndDatabase(backend, {
    clock,
    env: { SNAPSHOT_POLL_MS: '3600000' },
    seed: async (built) => {
      const inject = (url: string, payload?: object) => built.inject({ method: 'POST', url, payload });
      await inject('/flags', {
        flag_name: 'checkout',
        status: true,
        variants: [
          { key: 'control', weight: 50 },
          { key: 'treatment', weight: 50 },
        ],
      });
      const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
      await inject('/experiments', { key: 'checkout_test', flag_name: 'checkout', control: 'control', metrics });
      await inject('/experiments/checkout_test/start');
    },
  });
  const inject = (method: 'GET' | 'POST', url: string, payload?: object) => app().inject({ method, url, payload });
  const exposed = async () =>
    (await query(database(), 'SELECT user_id FROM exposures ORDER BY user_id')).map((row) => row.user_id);
  const health = async () => {
    const res = await inject('GET', '/health');
    return { status: res.statusCode, body: res.json() };
  };
  const metric = async (name: string) =>
    new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec((await inject('GET', '/metrics')).body)?.[1];

  describe.skipIf(!backend.available)('', () => {
    it('refuses U+0000 and half surrogate pairs in user ids and attributes on every evaluation route', async () => {
      const attributes = { country: 'DE\u0000' };
      const requests: [string, string, object | undefined, string][] = [
        ['GET', `/users/${encodeURIComponent(NUL)}/flags/checkout`, undefined, '#/user_id'],
        ['GET', `/users/${encodeURIComponent(NUL)}/flags`, undefined, '#/user_id'],
        ['GET', `/users/u1/flags/checkout?country=${encodeURIComponent('DE\u0000')}`, undefined, '#/country'],
        ['POST', '/evaluate/checkout', { user_id: LONE }, '#/user_id'],
        ['POST', '/evaluate', { user_id: NUL }, '#/user_id'],
        ['POST', '/evaluate/checkout', { user_id: 'u1', attributes }, '#/attributes/country'],
        ['POST', '/evaluate', { user_id: 'u1', attributes: { device: { [LONE]: 1 } } }, `#/attributes/device/${LONE}`],
        ['GET', `/experiments/checkout_test/exposures/export?after=${encodeURIComponent(NUL)}`, undefined, '#/after'],
        ['GET', `/events/export?event=${encodeURIComponent(NUL)}`, undefined, '#/event'],
        ['GET', `/audit?actor=${encodeURIComponent(NUL)}`, undefined, '#/actor'],
      ];
      for (const [method, url, payload, pointer] of requests) {
        const res = await app().inject({ method: method as 'GET', url, payload });
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(400);
        expect(res.headers['content-type'], res.body).toMatch(/^application\/problem\+json/);
        expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      }
      // OFREP answers in its own shape (open-feature/protocol): INVALID_CONTEXT with the details.
      const ofrep: [string, object, string][] = [
        [
          '/ofrep/v1/evaluate/flags/checkout',
          { targetingKey: NUL },
          'context/targetingKey: must not contain the NUL character (U+0000)',
        ],
        [
          '/ofrep/v1/evaluate/flags',
          { targetingKey: 'u1', tags: ['a', LONE] },
          'context/tags/1: must be valid Unicode: it holds half of a surrogate pair',
        ],
      ];
      for (const [url, context, details] of ofrep) {
        const res = await inject('POST', url, { context });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          errorCode: 'INVALID_CONTEXT',
          errorDetails: `The evaluation context is invalid: ${details}`,
        });
      }
      await clock.advance(1000);
      expect(await exposed()).toEqual([]);
    });

    it('keeps writing exposures for every user when the database refuses one row, and counts it', async () => {
      // The database itself refuses one user id, as PostgreSQL refused U+0000 before the routes did.
      if (backend.name === 'postgresql') {
        await query(database(), "ALTER TABLE exposures ADD CONSTRAINT refused CHECK (user_id <> 'refused')");
      } else {
        await query(
          database(),
          "CREATE TRIGGER refused BEFORE INSERT ON exposures WHEN NEW.user_id = 'refused' " +
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        );
      }
      for (const user of ['before', 'refused', 'after']) {
        expect((await inject('GET', `/users/${user}/flags/checkout`)).statusCode).toBe(200);
      }
      await clock.advance(1000);
      expect(await exposed()).toEqual(['after', 'before']);
      await inject('GET', '/users/later/flags/checkout');
      await clock.advance(1000);
      expect(await exposed()).toEqual(['after', 'before', 'later']);
      expect(await metric('feature_flags_writer_dropped_rows_total{writer="exposures"}')).toBe('1');
      expect(await metric('feature_flags_exposures_written_total')).toBe('3');
      const { status, body } = await health();
      expect(status).toBe(200);
      expect(body.writers.exposures).toEqual({ status: 'ok', failing_since: null, dropped_rows: 1 });
    });

    it('turns /health to 503 "degraded" once a writer has failed for 60 seconds, naming it and since when', async () => {
      await query(database(), 'ALTER TABLE exposures RENAME TO exposures_away');
      const failedAt = clock.now() + 1000;
      await inject('GET', '/users/during-outage/flags/checkout');
      await clock.advance(1000);
      // Failing, not yet for long: kept, retried, reported but not alarming.
      let report = await health();
      expect(report.status).toBe(200);
      expect(report.body.writers.exposures).toMatchObject({
        status: 'retrying',
        failing_since: new Date(failedAt).toISOString(),
      });
      await clock.advance(60_000);
      report = await health();
      expect(report.status).toBe(503);
      expect(report.body).toMatchObject({
        status: 'degraded',
        database: 'ok',
        writers: {
          exposures: { status: 'failing', failing_since: new Date(failedAt).toISOString() },
          flag_usage: { status: 'ok', failing_since: null },
          webhooks: { status: 'ok', failing_since: null },
        },
      });
      expect(await metric('feature_flags_writer_failing_seconds{writer="exposures"}')).toBe('60');
      expect((await inject('GET', '/health/ready')).statusCode).toBe(200);

      await query(database(), 'ALTER TABLE exposures_away RENAME TO exposures');
      await clock.advance(1000);
      expect(await exposed()).toContain('during-outage');
      report = await health();
      expect(report.status).toBe(200);
      expect(report.body.writers.exposures.status).toBe('ok');
      expect(await metric('feature_flags_writer_failing_seconds{writer="exposures"}')).toBe('0');
    });

    it('reads rows stored with such characters before they were refused without failing', async () => {
      const [experiment] = await query(
        database(),
        "SELECT id, environment_id FROM experiments WHERE experiment_key = 'checkout_test'",
      );
      const now = clock.now();
      const user = backend.name === 'postgresql' ? "'old' || chr(0) || 'user'" : "'old' || char(0) || 'user'";
      const exposure =
        'INSERT INTO exposures (experiment_id, user_id, variant, at_ms, multiple) ' +
        `VALUES (${experiment.id}, ${user}, 'control', ${now}, FALSE)`;
      const event =
        'INSERT INTO events (environment_id, event, user_id, at_ms) ' +
        `VALUES (${experiment.environment_id}, 'purchase', ${user}, ${now})`;
      if (backend.name === 'postgresql') {
        // PostgreSQL never stored them: its text refuses U+0000.
        await expect(query(database(), exposure)).rejects.toThrow();
        return;
      }
      // SQLite did store them.
      await query(database(), exposure);
      await query(database(), event);
      const results = await inject('GET', '/experiments/checkout_test/results?series=daily');
      expect(results.statusCode).toBe(200);
      expect(results.json().metrics[0].variants[0].conversions).toBeGreaterThanOrEqual(1);
      for (const [url, accept] of [
        ['/experiments/checkout_test/exposures/export', 'application/x-ndjson'],
        ['/experiments/checkout_test/exposures/export', 'text/csv'],
        ['/events/export', 'application/x-ndjson'],
        ['/events/export', 'text/csv'],
      ]) {
        const res = await app().inject({ method: 'GET', url, headers: { accept } });
        expect(res.statusCode, url).toBe(200);
        expect(res.body).toContain(accept === 'text/csv' ? 'old\u0000user' : 'old\\u0000user');
      }
      expect((await inject('GET', '/metrics')).statusCode).toBe(200);
    });
  });
});
