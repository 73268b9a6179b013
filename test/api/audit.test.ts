import { beforeAll, describe, expect, it } from 'vitest';
import { backends, query, type TestDatabase } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

describe.each(backends)('audit log on $name', (backend) => {
  const { available } = backend;
  let database: TestDatabase;
  const app = useTestApp({ available, create: async () => (database = await backend.create()) });
  const auditRows = async () => Number((await query(database, 'SELECT COUNT(*) AS n FROM audit_log'))[0].n);

  describe.skipIf(!available)('', () => {
    beforeAll(async () => {
      await app().inject({ method: 'POST', url: '/flags', payload: { flag_name: 'checkout', rollout_percentage: 10 } });
      await app().inject({ method: 'PUT', url: '/flags/checkout', payload: { status: true } });
      await app().inject({ method: 'POST', url: '/flags', payload: { flag_name: 'other' } });
      await app().inject({ method: 'DELETE', url: '/flags/checkout' });
    });

    it('records every change to a flag with the flag before and after, newest first, kept after deletion', async () => {
      const res = await app().inject({ method: 'GET', url: '/flags/checkout/history' });
      expect(res.statusCode).toBe(200);
      const { entries, next_cursor } = res.json();
      expect(next_cursor).toBeNull();
      expect(entries.map((e: { action: string }) => e.action)).toEqual([
        'flag.deleted',
        'flag.updated',
        'flag.created',
      ]);
      const [deleted, updated, created] = entries;
      expect(created).toMatchObject({
        target_type: 'flag',
        target: 'checkout',
        actor: { key_id: null, name: 'anonymous' },
        before: null,
      });
      // The audit log's own record (areas/audit/audit-records.ts), every field of it, not a response's.
      expect(created.after).toEqual({
        flag_name: 'checkout',
        status: false,
        rollout_percentage: 10,
        description: null,
        kind: 'release',
        tags: [],
        value_type: 'boolean',
        variants: [],
        off_variant: null,
        rules: [],
        overrides: [],
        prerequisites: [],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(updated.before).toMatchObject({ status: false });
      expect(updated.after).toMatchObject({ status: true, rollout_percentage: 10 });
      expect(deleted.before).toMatchObject({ status: true });
      expect(deleted.after).toBeNull();
      expect(Date.parse(deleted.at)).toBeGreaterThanOrEqual(Date.parse(created.at));
    });

    it('pages through GET /audit newest first, and filters by flag', async () => {
      const first = (await app().inject({ method: 'GET', url: '/audit?limit=3' })).json();
      expect(first.entries).toHaveLength(3);
      expect(first.next_cursor).toBe(first.entries[2].id);
      const second = (await app().inject({ method: 'GET', url: `/audit?limit=3&cursor=${first.next_cursor}` })).json();
      expect(second.entries).toHaveLength(1);
      expect(second.next_cursor).toBeNull();
      const ids = [...first.entries, ...second.entries].map((e: { id: number }) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const other = (await app().inject({ method: 'GET', url: '/audit?flag_name=other' })).json();
      expect(other.entries.map((e: { action: string }) => e.action)).toEqual(['flag.created']);
      for (const url of [
        '/audit?limit=0',
        '/audit?limit=201',
        '/audit?cursor=x',
        '/audit?limit=1&limit=2',
        '/audit?flag_name=bad%20name',
        '/audit?verbose=1',
        // Beyond what a JSON number holds exactly, so no id the service handed out (64-bit ids: counters-past-32-bits).
        `/audit?cursor=${2 ** 53}`,
        `/flags/other/history?cursor=${2 ** 53}`,
      ]) {
        expect((await app().inject({ method: 'GET', url })).statusCode, url).toBe(400);
      }
      for (const url of ['/audit?cursor=2147483648', `/audit?cursor=${Number.MAX_SAFE_INTEGER}`]) {
        expect((await app().inject({ method: 'GET', url })).json().entries, url).toHaveLength(4);
      }
      for (const url of ['/audit?cursor=x', '/audit?limit=1&limit=2']) {
        expect((await app().inject({ method: 'GET', url })).json().errors[0].detail, url).toBe(
          'must be a number, given once',
        );
      }
    });

    it('filters by actor and by time', async () => {
      const all = (await app().inject({ method: 'GET', url: '/audit' })).json().entries as { at: string; id: number }[];
      const byAnonymous = (await app().inject({ method: 'GET', url: '/audit?actor=anonymous' })).json();
      expect(byAnonymous.entries).toHaveLength(all.length);
      expect((await app().inject({ method: 'GET', url: '/audit?actor=ops' })).json().entries).toEqual([]);
      // The second oldest entry's time: since it, all but the oldest; until it, the oldest alone.
      const at = all[all.length - 2].at;
      const since = (await app().inject({ method: 'GET', url: `/audit?since=${at}` })).json().entries;
      const until = (await app().inject({ method: 'GET', url: `/audit?until=${at}` })).json().entries;
      expect(since.length + until.length).toBe(all.length);
      expect(since.map((e: { id: number }) => e.id)).toContain(all[all.length - 2].id);
      expect(until.map((e: { id: number }) => e.id)).not.toContain(all[all.length - 2].id);
      const window = `since=${encodeURIComponent('2000-01-01T00:00:00+02:00')}&until=2000-01-02T00:00:00Z`;
      expect((await app().inject({ method: 'GET', url: `/audit?${window}` })).json().entries).toEqual([]);
      for (const url of ['/audit?since=yesterday', '/audit?until=2026-13-01T00:00:00Z', '/audit?actor=']) {
        const res = await app().inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('writes no entry for a change that fails', async () => {
      const before = await auditRows();
      expect((await app().inject({ method: 'POST', url: '/flags', payload: { flag_name: 'other' } })).statusCode).toBe(
        409,
      );
      expect((await app().inject({ method: 'PUT', url: '/flags/missing', payload: { status: true } })).statusCode).toBe(
        404,
      );
      expect((await app().inject({ method: 'DELETE', url: '/flags/missing' })).statusCode).toBe(404);
      expect(
        (await app().inject({ method: 'PUT', url: '/flags/other', payload: { rollout_percentage: 101 } })).statusCode,
      ).toBe(400);
      expect(await auditRows()).toBe(before);
    });

    it('rolls the change back when its audit entry cannot be written', async () => {
      // Make the database refuse audit rows, as a full disk or a broken table would.
      if (database.provider === 'sqlite') {
        await query(
          database,
          `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END`,
        );
      } else {
        await query(
          database,
          `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$`,
        );
        await query(
          database,
          `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
        );
      }
      const before = await auditRows();
      expect((await app().inject({ method: 'PUT', url: '/flags/other', payload: { status: true } })).statusCode).toBe(
        500,
      );
      expect(
        (await app().inject({ method: 'POST', url: '/flags', payload: { flag_name: 'unaudited' } })).statusCode,
      ).toBe(500);

      expect(await auditRows()).toBe(before);
      expect(
        await query(
          database,
          `SELECT c.status FROM flag_configs c JOIN flags f ON f.id = c.flag_id JOIN environments e ON ` +
            `e.id = c.environment_id WHERE f.flag_name = 'other' AND e.environment_key = 'production'`,
        ),
      ).toEqual([{ status: database.provider === 'sqlite' ? 0 : false }]);
      expect(await query(database, `SELECT 1 FROM flags WHERE flag_name = 'unaudited'`)).toEqual([]);
      // The snapshot did not take the change either.
      expect((await app().inject({ method: 'GET', url: '/flags/other' })).json().status).toBe(false);
      expect((await app().inject({ method: 'GET', url: '/flags/unaudited' })).statusCode).toBe(404);
    });
  });
});
