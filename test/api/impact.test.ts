import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp } from '../support/test-app.js';
import { SAMPLES_PER_SECOND } from '../../src/areas/evaluation/recent-contexts.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const HOUR_MS = 3_600_000;
const base = '/projects/default/environments/production';

describe.each(backends)('impact preview on $name', (backend) => {
  const clock = new ManualClock();
  const app = useTestApp(backend, {
    clock,
    env: { SNAPSHOT_POLL_MS: '3600000', RATE_LIMIT_WRITES: '0', RATE_LIMIT_EVALUATIONS: '0' },
  });
  const inject = async (method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method, url, payload: payload as object, headers });
  const ok = async (method: Method, url: string, payload?: unknown) => {
    const res = await inject(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const users = Array.from({ length: 200 }, (_, i) => ({ id: `user-${i}`, plan: i % 4 === 0 ? 'pro' : 'free' }));
  /** Who the flag is on for now, asked the way clients ask (and so sampled). */
  const answers = async (flag: string) => {
    const on = new Map<string, boolean>();
    for (const [i, user] of users.entries()) {
      const res = await ok('POST', `${base}/evaluate/${flag}`, { user_id: user.id, attributes: user });
      on.set(user.id, res.enabled);
      // At most SAMPLES_PER_SECOND evaluations are sampled a second: this clock moves only when told.
      if (i % SAMPLES_PER_SECOND === SAMPLES_PER_SECOND - 1) await clock.advance(1000);
    }
    return on;
  };
  const flips = (before: Map<string, boolean>, after: Map<string, boolean>) => ({
    on: [...after].filter(([id, enabled]) => enabled && !before.get(id)).map(([id]) => id),
    off: [...after].filter(([id, enabled]) => !enabled && before.get(id)).map(([id]) => id),
  });

  describe.skipIf(!backend.available)('', () => {
    it('counts the users a change would turn on or off, exactly as saving it then does, and changes nothing', async () => {
      await ok('POST', '/segments', {
        name: 'pro',
        conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
      });
      await ok('POST', '/flags', { flag_name: 'checkout', status: true, rollout_percentage: 30 });
      const before = await answers('checkout');
      const change = { rollout_percentage: 60, rules: [{ segment: 'pro', rollout_percentage: 100 }] };
      const auditBefore = (await ok('GET', '/audit')).entries.length;

      const impact = await ok('POST', `${base}/flags/checkout/impact`, change);
      // Previewing wrote nothing: the flag and the audit log are as they were.
      expect((await ok('GET', '/flags/checkout')).rollout_percentage).toBe(30);
      expect((await ok('GET', '/audit')).entries.length).toBe(auditBefore);

      await ok('PATCH', `${base}/flags/checkout`, change);
      const after = await answers('checkout');
      const flipped = flips(before, after);
      expect(flipped.on.length).toBeGreaterThan(50);
      expect(impact).toMatchObject({
        window_hours: 24,
        users: 200,
        turning_on: { count: flipped.on.length },
        turning_off: { count: flipped.off.length },
        changing_variant: { count: 0, examples: [] },
        unchanged: 200 - flipped.on.length - flipped.off.length,
      });
      expect(impact.turning_on.examples).toHaveLength(5);
      for (const id of impact.turning_on.examples) expect(flipped.on).toContain(id);

      // Turning it off turns off everyone it is on for.
      const off = await ok('POST', `${base}/flags/checkout/impact`, { status: false });
      expect(off.turning_off.count).toBe([...after.values()].filter(Boolean).length);
      expect(off.turning_on.count).toBe(0);
    });

    it('counts variant moves, takes users from bulk and OFREP evaluations, and forgets them after 24 hours', async () => {
      await ok('POST', '/flags', {
        flag_name: 'theme',
        status: true,
        variants: [
          { key: 'light', weight: 50 },
          { key: 'dark', weight: 50 },
        ],
      });
      await ok('POST', '/flags', { flag_name: 'unrelated', status: true });
      await answers('theme');
      // One user evaluated only another flag: not counted for this one.
      await ok('POST', `${base}/evaluate/unrelated`, { user_id: 'only-unrelated' });
      // Bulk (all flags) and OFREP count for every flag.
      await ok('GET', `${base}/users/bulk-user/flags`);
      await ok('POST', '/ofrep/v1/evaluate/flags', { context: { targetingKey: 'ofrep-user' } });
      const impact = await ok('POST', `${base}/flags/theme/impact`, {
        variants: [
          { key: 'light', weight: 0 },
          { key: 'dark', weight: 100 },
        ],
      });
      const darkBefore = (user: string) => ok('GET', `${base}/users/${user}/flags/theme`);
      const moving = [];
      for (const user of ['bulk-user', 'ofrep-user', ...users.map((u) => u.id)]) {
        if ((await darkBefore(user)).variant === 'light') moving.push(user);
      }
      expect(impact.users).toBe(202);
      expect(impact.changing_variant.count).toBe(moving.length);
      expect(impact.turning_on.count + impact.turning_off.count).toBe(0);

      await clock.advance(25 * HOUR_MS);
      expect((await ok('POST', `${base}/flags/theme/impact`, { status: false })).users).toBe(0);
    });

    it('refuses bad changes as the save would, with problem details, and is for admin keys only', async () => {
      const problem = async (payload: unknown, status: number, detail: RegExp, url = `${base}/flags/theme/impact`) => {
        const res = await inject('POST', url, payload);
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().detail).toMatch(detail);
      };
      await problem({ rollout_percentage: 101 }, 400, /rollout_percentage/);
      await problem({ variants: [{ key: 'blue', weight: 100 }] }, 400, /each of the flag's variants/);
      await problem({ rules: [{ segment: 'nobody', rollout_percentage: 100 }] }, 400, /no segment named "nobody"/);
      await problem({ prerequisites: [{ flag: 'theme' }] }, 409, /cycle|itself/);
      await problem({ status: true }, 404, /not found/, `${base}/flags/missing/impact`);

      const key = await ok('POST', '/api-keys', { name: 'browser', scope: 'evaluate' });
      const res = await inject(
        'POST',
        `${base}/flags/theme/impact`,
        { status: false },
        { authorization: `Bearer ${key.secret}` },
      );
      expect(res.statusCode).toBe(403);
    });
  });
});

describe('impact preview sample bounds', () => {
  const [sqlite] = backends;
  const clock = new ManualClock();
  const app = useTestApp(sqlite, { clock, env: { IMPACT_SAMPLE_USERS: '50', RATE_LIMIT_EVALUATIONS: '0' } });

  it('keeps the most recent IMPACT_SAMPLE_USERS users per environment and skips oversized contexts', async () => {
    const post = (url: string, payload: unknown) => app().inject({ method: 'POST', url, payload: payload as object });
    await post('/flags', { flag_name: 'f', status: true });
    for (let i = 0; i < 120; i++) {
      await post(`${base}/evaluate/f`, { user_id: `u${i}` });
      if (i % SAMPLES_PER_SECOND === SAMPLES_PER_SECOND - 1) await clock.advance(1000);
    }
    await post(`${base}/evaluate/f`, { user_id: 'big', attributes: { notes: 'x'.repeat(2000) } });
    const impact = (await post(`${base}/flags/f/impact`, { status: false })).json();
    expect(impact.users).toBe(50);
    // The last 50 evaluated, not the first: u70..u119; "big" was not kept.
    expect(impact.turning_off.examples).toEqual(['u70', 'u71', 'u72', 'u73', 'u74']);
  });
});
