import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const DAY_MS = 86_400_000;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

describe.each(backends)("a project's experiment settings and the results' verdict on $name", (backend) => {
  // Exposures are written every 1,000 ms of this clock; the configuration is polled hourly, so moving
  // the clock by days takes no database round trips a second.
  const clock = new ManualClock();
  const { app } = useTestAppAndDatabase(backend, {
    clock,
    env: { EVENT_RETENTION_DAYS: '30', SNAPSHOT_POLL_MS: '3600000', RATE_LIMIT_WRITES: '0' },
    seed: async (app) => {
      const variants = [
        { key: 'control', weight: 50 },
        { key: 'treatment', weight: 50 },
      ];
      for (const flag_name of ['early', 'split', 'wins', 'loses', 'even']) {
        await app.inject({ method: 'POST', url: '/flags', payload: { flag_name, status: true, variants } });
      }
    },
  });
  const inject = (method: Method, url: string, payload?: object) => app().inject({ method, url, payload });
  const ok = async (method: Method, url: string, payload?: object) => {
    const res = await inject(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const metrics = [{ key: 'purchase', event: 'purchase', type: 'binomial' }];
  const verdictOf = async (experiment: string) => (await ok('GET', `/experiments/${experiment}/results`)).verdict;

  /** `count` users of each variant, as the flag splits them (`flag-0`, `flag-1`…). */
  const usersPerVariant = async (flag: string, count: number) => {
    const byVariant: Record<string, string[]> = { control: [], treatment: [] };
    for (let i = 0; byVariant.control.length < count || byVariant.treatment.length < count; i++) {
      const user = `${flag}-${i}`;
      const { variant } = await ok('GET', `/users/${user}/flags/${flag}`);
      if (byVariant[variant as string].length < count) byVariant[variant as string].push(user);
    }
    return byVariant;
  };

  /**
   * Starts an experiment on `flag`, exposes `users` of each variant and has the first `buyers[variant]`
   * of them purchase; returns the experiment's key.
   */
  const run = async (flag: string, users: number, buyers: Record<string, number>) => {
    const groups = await usersPerVariant(flag, users);
    await ok('POST', '/experiments', { key: `${flag}_test`, flag_name: flag, control: 'control', metrics });
    await ok('POST', `/experiments/${flag}_test/start`);
    for (const user of [...groups.control, ...groups.treatment]) await ok('GET', `/users/${user}/flags/${flag}`);
    await clock.advance(1000);
    const purchases = Object.entries(buyers).flatMap(([variant, n]) =>
      groups[variant].slice(0, n).map((user_id) => ({ type: 'track', event: 'purchase', user_id })),
    );
    expect((await ok('POST', '/events', { events: purchases })).accepted).toBe(purchases.length);
    return `${flag}_test`;
  };

  describe.skipIf(!backend.available)('', () => {
    it('gives every project the defaults, changes only the settings sent, audits them and refuses bad ones', async () => {
      const defaults = { sequential: true, min_days: 7, min_users_per_variant: 100 };
      expect((await ok('GET', '/projects/default')).experiment_settings).toEqual(defaults);
      const created = await ok('POST', '/projects', {
        key: 'shop',
        name: 'Shop',
        experiment_settings: { min_days: 14 },
      });
      expect(created.experiment_settings).toEqual({ ...defaults, min_days: 14 });

      const changed = await ok('PATCH', '/projects/shop', { experiment_settings: { min_users_per_variant: 500 } });
      expect(changed.experiment_settings).toEqual({ sequential: true, min_days: 14, min_users_per_variant: 500 });
      expect(changed.name).toBe('Shop');
      const [entry] = (await ok('GET', '/audit?limit=1')).entries;
      expect(entry).toMatchObject({
        action: 'project.updated',
        target: 'shop',
        before: { experiment_settings: { min_users_per_variant: 100 } },
        after: { experiment_settings: { min_users_per_variant: 500 } },
      });

      for (const [settings, field] of [
        [{ min_days: -1 }, /min_days/],
        [{ min_users_per_variant: 1.5 }, /min_users_per_variant/],
        [{ sequential: 'yes' }, /sequential/],
        [{ minimum: 3 }, /minimum/],
      ] as const) {
        const res = await inject('PATCH', '/projects/shop', { experiment_settings: settings });
        expect(res.statusCode, JSON.stringify(settings)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatch(field);
      }
      expect((await ok('GET', '/projects/shop')).experiment_settings.min_users_per_variant).toBe(500);
    });

    it('starts new experiments sequential or not as the project says, unless the request says', async () => {
      const create = (key: string, extra: object = {}) =>
        ok('POST', '/experiments', { key, flag_name: 'early', control: 'control', metrics, ...extra });
      expect((await create('by_default')).sequential).toBe(true);
      await ok('PATCH', '/projects/default', { experiment_settings: { sequential: false } });
      expect((await create('after_change')).sequential).toBe(false);
      expect((await create('asked_for', { sequential: true })).sequential).toBe(true);
      // Experiments made before keep what they were made with.
      expect((await ok('GET', '/experiments/by_default')).sequential).toBe(true);
    });

    it('says too_early before the start, then until the minimum days and users per variant are met', async () => {
      const settings = { sequential: true, min_days: 7, min_users_per_variant: 30 };
      await ok('PATCH', '/projects/default', { experiment_settings: settings });
      await ok('POST', '/experiments', { key: 'draft', flag_name: 'early', control: 'control', metrics });
      expect(await verdictOf('draft')).toEqual({
        state: 'too_early',
        reason: 'The experiment has not started: nobody is exposed yet',
      });

      const key = await run('early', 20, { control: 18, treatment: 2 });
      const early = await verdictOf(key);
      expect(early.state).toBe('too_early');
      expect(early.variant).toBeUndefined();
      expect(early.reason).toMatch(/run 0 of the 7 days/);
      expect(early.reason).toMatch(/"control" has 20, "treatment" has 20 of the 30 users each variant needs/);

      await clock.advance(7 * DAY_MS);
      const stillFew = await verdictOf(key);
      expect(stillFew.state).toBe('too_early');
      expect(stillFew.reason).not.toMatch(/days/);
      // Lowering the project's minimum lets the same data speak: the verdict reads the settings now.
      await ok('PATCH', '/projects/default', { experiment_settings: { min_users_per_variant: 20 } });
      // 2 of 20 against 18 of 20 is beyond chance even sequentially (the interval runs to −13%).
      expect(await verdictOf(key)).toMatchObject({ state: 'loser', variant: 'treatment' });
    });

    it('says srm when the split does not match the weights, ahead of the minimums', async () => {
      const key = await run('split', 40, { control: 10, treatment: 10 });
      // The weights move after 40 users of each were exposed: 40 and 40 are now far from 90% and 10%.
      await ok('PATCH', '/flags/split', {
        variants: [
          { key: 'control', weight: 90 },
          { key: 'treatment', weight: 10 },
        ],
      });
      const results = await ok('GET', `/experiments/${key}/results`);
      expect(results.srm.healthy).toBe(false);
      expect(results.verdict.state).toBe('srm');
      expect(results.verdict.reason).toMatch(/"control" 40 at 90%, "treatment" 40 at 10%/);
      expect(results.verdict.reason).toMatch(/p < 0.001/);
    });

    it('says winner, loser or no_difference on the first metric once the minimums are met', async () => {
      // Fixed-horizon tests: sequential ones need a few hundred users to call differences like these.
      const settings = { sequential: false, min_days: 7, min_users_per_variant: 30 };
      await ok('PATCH', '/projects/default', { experiment_settings: settings });
      const wins = await run('wins', 30, { control: 10, treatment: 25 });
      const loses = await run('loses', 30, { control: 25, treatment: 10 });
      const even = await run('even', 30, { control: 15, treatment: 15 });
      expect((await verdictOf(wins)).state).toBe('too_early');
      await clock.advance(7 * DAY_MS);

      const winner = await verdictOf(wins);
      expect(winner).toMatchObject({ state: 'winner', variant: 'treatment' });
      expect(winner.reason).toBe(
        '"treatment" raises purchase by 150.0% against "control" (95% interval 14.3% to 285.7%, p = 0.031)',
      );
      const loser = await verdictOf(loses);
      expect(loser).toMatchObject({ state: 'loser', variant: 'treatment' });
      expect(loser.reason).toBe(
        '"treatment" lowers purchase by 60.0% against "control" (95% interval -81.7% to -38.3%, p < 0.001): ' +
          'keep "control"',
      );
      expect(await verdictOf(even)).toEqual({
        state: 'no_difference',
        reason:
          'No variant differs from "control" on purchase beyond chance: every 95% interval of the uplift includes zero',
      });
    });
  });
});
