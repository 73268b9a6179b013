import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp } from '../support/test-app.js';

describe.each(backends)('scheduled changes on $name', (backend) => {
  // The service checks for due changes every SNAPSHOT_POLL_MS (1,000 ms by default) of this clock.
  const clock = new ManualClock();
  const inMs = (ms: number) => new Date(clock.now() + ms).toISOString();
  const app = useTestApp(backend, {
    clock,
    seed: async (app) => {
      await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'launch', status: false, rollout_percentage: 100 },
      });
      await app.inject({
        method: 'POST',
        url: '/flags',
        payload: { flag_name: 'ramp', status: true, rollout_percentage: 0 },
      });
    },
  });
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app().inject({ method, url, payload });
  const enabled = async (flag: string, user = 'alice') =>
    (await inject('GET', `/users/${user}/flags/${flag}`)).json().enabled;
  const pending = async (flag: string) =>
    (await inject('GET', `/flags/${flag}/schedules`))
      .json()
      .filter((s: { applied_at: string | null }) => s.applied_at === null);

  describe.skipIf(!backend.available)('', () => {
    it('takes effect at its time without a restart or a cron job, then is written to the flag once and audited', async () => {
      const created = await inject('POST', '/flags/launch/schedules', { at: inMs(700), set: { status: true } });
      expect(created.statusCode).toBe(201);
      const schedule = created.json();
      expect(schedule).toMatchObject({ flag_name: 'launch', set: { status: true }, applied_at: null });
      expect(schedule.created_at).toBe(new Date(clock.now()).toISOString());
      await inject('POST', '/flags/ramp/schedules', { at: inMs(700), set: { rollout_percentage: 100 } });

      await clock.advance(699);
      expect(await enabled('launch')).toBe(false);
      expect(await enabled('ramp')).toBe(false);
      await clock.advance(1);
      // Due: evaluation and reads follow the clock at once, before the next check writes the change.
      expect(await enabled('launch')).toBe(true);
      expect(await enabled('ramp')).toBe(true);
      expect((await inject('GET', '/flags/ramp')).json().rollout_percentage).toBe(100);
      expect(await pending('launch')).toHaveLength(1);

      // The next check, 1,000 ms after the app started, writes both.
      await clock.advance(300);
      const appliedAt = new Date(clock.now()).toISOString();
      expect(await pending('launch')).toEqual([]);
      expect(await pending('ramp')).toEqual([]);
      const [applied] = (await inject('GET', '/flags/launch/schedules')).json();
      expect(applied).toMatchObject({ id: schedule.id, applied_at: appliedAt });
      expect((await inject('GET', '/flags/launch')).json().updated_at).toBe(appliedAt);
      const history = (await inject('GET', '/flags/launch/history')).json().entries;
      expect(history.filter((e: { action: string }) => e.action === 'schedule.applied')).toHaveLength(1);
      expect(history[0]).toMatchObject({
        action: 'schedule.applied',
        at: appliedAt,
        actor: { key_id: null, name: 'scheduler' },
        before: { status: false },
        after: { status: true },
      });
      expect(history[1]).toMatchObject({ action: 'schedule.created', after: { id: schedule.id } });

      const late = await inject('DELETE', `/flags/launch/schedules/${schedule.id}`);
      expect(late.statusCode).toBe(409);

      // The checks that found nothing due meanwhile do not stop the next change from being written.
      await clock.advance(3000);
      await inject('POST', '/flags/launch/schedules', { at: inMs(200), set: { status: false } });
      expect(await enabled('launch')).toBe(true);
      await clock.advance(1000);
      expect(await pending('launch')).toEqual([]);
      expect(await enabled('launch')).toBe(false);
    });

    it('lists, cancels and validates', async () => {
      const first = (
        await inject('POST', '/flags/launch/schedules', { at: inMs(3_600_000), set: { status: false } })
      ).json();
      const second = (
        await inject('POST', '/flags/launch/schedules', { at: inMs(60_000), set: { rollout_percentage: 50 } })
      ).json();
      const listed = (await inject('GET', '/flags/launch/schedules')).json();
      expect(
        listed.filter((s: { applied_at: string | null }) => s.applied_at === null).map((s: { id: string }) => s.id),
      ).toEqual([second.id, first.id]);

      expect((await inject('DELETE', `/flags/launch/schedules/${first.id}`)).statusCode).toBe(204);
      expect((await inject('DELETE', `/flags/launch/schedules/${first.id}`)).statusCode).toBe(404);
      expect((await inject('GET', '/flags/launch/history')).json().entries[0]).toMatchObject({
        action: 'schedule.cancelled',
        before: { id: first.id },
      });

      for (const body of [
        { at: inMs(-1000), set: { status: true } },
        { at: inMs(1000), set: {} },
        { at: '2026-13-01T00:00:00Z', set: { status: true } },
        { at: inMs(1000), set: { rollout_percentage: 101 } },
        { at: inMs(1000), set: { status: true }, extra: 1 },
      ]) {
        const refused = await inject('POST', '/flags/launch/schedules', body);
        expect(refused.statusCode, JSON.stringify(body)).toBe(400);
        expect(refused.json().errors[0].pointer, JSON.stringify(body)).toMatch(/^#\/\w/);
      }
      expect(
        (await inject('POST', '/flags/launch/schedules', { at: inMs(-1000), set: { status: true } })).json().errors,
      ).toEqual([
        { location: 'body', pointer: '#/at', detail: 'must be in the future; to change the flag now, update it' },
      ]);
      expect(
        (await inject('POST', '/flags/nope/schedules', { at: inMs(1000), set: { status: true } })).statusCode,
      ).toBe(404);
      expect((await inject('GET', '/flags/nope/schedules')).statusCode).toBe(404);
    });

    it("deletes a flag's schedules with the flag", async () => {
      await inject('POST', '/flags', { flag_name: 'short_lived' });
      await inject('POST', '/flags/short_lived/schedules', { at: inMs(60_000), set: { status: true } });
      expect((await inject('DELETE', '/flags/short_lived')).statusCode).toBe(204);
      await inject('POST', '/flags', { flag_name: 'short_lived' });
      expect((await inject('GET', '/flags/short_lived/schedules')).json()).toEqual([]);
    });
  });
});
