import { beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestApp } from '../support/test-app.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(backends)('flags API on $name', (backend) => {
  const { available } = backend;
  const clock = new ManualClock();
  const app = useTestApp(backend, { clock });
  beforeEach(async () => {
    if (!available) return;
    for (const flag of (await app().inject({ method: 'GET', url: '/flags' })).json()) {
      await app().inject({ method: 'DELETE', url: `/flags/${flag.flag_name}` });
    }
  });

  const post = (body: unknown) => app().inject({ method: 'POST', url: '/flags', payload: body as object });
  const put = (name: string, body: unknown) =>
    app().inject({ method: 'PUT', url: `/flags/${name}`, payload: body as object });
  const listFlags = async () => (await app().inject({ method: 'GET', url: '/flags' })).json();

  describe.skipIf(!available)('', () => {
    it('creates a flag and returns it with timestamps and a Location header', async () => {
      const res = await post({
        flag_name: 'beta_search',
        status: true,
        rollout_percentage: 25.0,
        description: 'New search algorithm - 25% rollout',
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers.location).toBe('/flags/beta_search');
      const body = res.json();
      expect(body).toMatchObject({
        flag_name: 'beta_search',
        status: true,
        rollout_percentage: 25,
        description: 'New search algorithm - 25% rollout',
      });
      expect(body.created_at).toMatch(ISO_UTC);
      expect(body.updated_at).toBe(body.created_at);
    });

    it('applies defaults: off, 100%, no description', async () => {
      const res = await post({ flag_name: 'defaults' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        flag_name: 'defaults',
        status: false,
        rollout_percentage: 100,
        description: null,
      });
    });

    it('keeps fractional percentages exactly', async () => {
      expect(
        (await post({ flag_name: 'tiny', status: true, rollout_percentage: 0.07 })).json().rollout_percentage,
      ).toBe(0.07);
      expect((await app().inject({ method: 'GET', url: '/flags/tiny' })).json().rollout_percentage).toBe(0.07);
    });

    it('rejects a duplicate name with 409 problem details', async () => {
      await post({ flag_name: 'dup' });
      const res = await post({ flag_name: 'dup', status: true });
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        type: '/problems/conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A flag named "dup" already exists',
      });
      expect((await app().inject({ method: 'GET', url: '/flags/dup' })).json().status).toBe(false);
    });

    it('lists flags sorted by name', async () => {
      for (const name of ['zeta', 'Alpha', 'beta', '9lives']) await post({ flag_name: name });
      expect((await listFlags()).map((f: { flag_name: string }) => f.flag_name)).toEqual([
        '9lives',
        'Alpha',
        'beta',
        'zeta',
      ]);
    });

    it('reads one flag, 404 for an unknown one', async () => {
      await post({ flag_name: 'one', status: true });
      expect((await app().inject({ method: 'GET', url: '/flags/one' })).json()).toMatchObject({
        flag_name: 'one',
        status: true,
      });
      const missing = await app().inject({ method: 'GET', url: '/flags/none' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({
        status: 404,
        title: 'Not Found',
        detail: 'Flag "none" not found',
        instance: '/flags/none',
      });
    });

    it('updates only the fields sent and moves updated_at', async () => {
      const created = (
        await post({ flag_name: 'partial', status: false, rollout_percentage: 10, description: 'keep me' })
      ).json();
      expect(created.updated_at).toBe(new Date(clock.now()).toISOString());
      await clock.advance(5);
      const res = await put('partial', { status: true });
      expect(res.statusCode).toBe(200);
      const updated = res.json();
      expect(updated).toMatchObject({
        flag_name: 'partial',
        status: true,
        rollout_percentage: 10,
        description: 'keep me',
        created_at: created.created_at,
      });
      expect(updated.updated_at).toBe(new Date(clock.now()).toISOString());
      expect((await put('partial', { rollout_percentage: 50.0 })).json()).toMatchObject({
        status: true,
        rollout_percentage: 50,
      });
      expect((await put('partial', { description: null })).json()).toMatchObject({
        description: null,
        rollout_percentage: 50,
      });
    });

    it('PATCH is the same partial update as PUT, with the same validation', async () => {
      const created = (
        await post({ flag_name: 'patched', status: false, rollout_percentage: 10, description: 'keep me' })
      ).json();
      const patch = (body: object) => app().inject({ method: 'PATCH', url: '/flags/patched', payload: body });
      const res = await patch({ rollout_percentage: 42.5 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: false,
        rollout_percentage: 42.5,
        description: 'keep me',
        created_at: created.created_at,
      });
      expect((await app().inject({ method: 'GET', url: '/users/alice123/flags/patched' })).json()).toMatchObject({
        flag_name: 'patched',
        reason: 'FLAG_DISABLED',
      });
      expect((await patch({ flag_name: 'renamed' })).statusCode).toBe(400);
      // As a JSON Merge Patch client labels it; null clears, as in RFC 7396.
      const mergePatch = (payload: string) =>
        app().inject({
          method: 'PATCH',
          url: '/flags/patched',
          headers: { 'content-type': 'application/merge-patch+json' },
          payload,
        });
      expect((await mergePatch('{"description": null}')).json()).toMatchObject({
        description: null,
        rollout_percentage: 42.5,
      });
      expect((await mergePatch('{"description": ')).json()).toMatchObject({ status: 400, title: 'Bad Request' });
      expect((await app().inject({ method: 'PATCH', url: '/flags/ghost', payload: { status: true } })).statusCode).toBe(
        404,
      );
      expect((await app().inject({ method: 'GET', url: '/flags/patched' })).json()).toMatchObject({
        rollout_percentage: 42.5,
      });
    });

    it('refuses renames, unknown fields and empty updates, changing nothing', async () => {
      const before = (await post({ flag_name: 'fixed', status: true, rollout_percentage: 30 })).json();
      for (const body of [{ flag_name: 'renamed' }, { status: false, colour: 'red' }, {}]) {
        const res = await put('fixed', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().title).toBe('Validation Error');
      }
      const rename = (await put('fixed', { flag_name: 'renamed' })).json();
      expect(rename.errors).toEqual([
        { location: 'body', pointer: '#/flag_name', detail: 'unknown field "flag_name"' },
      ]);
      expect((await app().inject({ method: 'GET', url: '/flags/fixed' })).json()).toEqual(before);
      expect((await app().inject({ method: 'GET', url: '/flags/renamed' })).statusCode).toBe(404);
    });

    it('answers 404 when updating or deleting an unknown flag', async () => {
      expect((await put('ghost', { status: true })).statusCode).toBe(404);
      expect((await app().inject({ method: 'DELETE', url: '/flags/ghost' })).statusCode).toBe(404);
    });

    it('deletes: 204, then 404', async () => {
      await post({ flag_name: 'gone' });
      const res = await app().inject({ method: 'DELETE', url: '/flags/gone' });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await app().inject({ method: 'GET', url: '/flags/gone' })).statusCode).toBe(404);
      expect((await app().inject({ method: 'DELETE', url: '/flags/gone' })).statusCode).toBe(404);
    });

    describe('bad input gets a 4xx problem and changes nothing', () => {
      const invalidBodies: [string, unknown][] = [
        ['status of the wrong type', { flag_name: 'bad', status: 'yes' }],
        ['percentage as a string', { flag_name: 'bad', rollout_percentage: '50' }],
        ['percentage above 100', { flag_name: 'bad', rollout_percentage: 100.01 }],
        ['negative percentage', { flag_name: 'bad', rollout_percentage: -1 }],
        ['three decimals', { flag_name: 'bad', rollout_percentage: 12.345 }],
        ['missing name', { status: true }],
        ['empty name', { flag_name: '' }],
        ['name with a colon', { flag_name: 'a:b' }],
        ['name with a slash', { flag_name: 'a/b' }],
        ['name starting with a dash', { flag_name: '-a' }],
        ['name of 101 characters', { flag_name: 'a'.repeat(101) }],
        ['description of 1,001 characters', { flag_name: 'bad', description: 'd'.repeat(1001) }],
        // PostgreSQL cannot store it in text, so no database takes it.
        ['description with a NUL character', { flag_name: 'bad', description: 'a\u0000b' }],
        // The databases would keep it as one or three U+FFFD.
        ['description with half a surrogate pair', { flag_name: 'bad', description: 'a\ud800b' }],
        ['unknown field', { flag_name: 'bad', owner: 'me' }],
        ['an array', [{ flag_name: 'bad' }]],
      ];

      it.each(invalidBodies)('POST with %s → 400', async (_label, body) => {
        const res = await app().inject({
          method: 'POST',
          url: '/flags',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = res.json();
        expect(problem).toMatchObject({ type: '/problems/validation-error', title: 'Validation Error', status: 400 });
        expect(problem.errors.length).toBeGreaterThan(0);
        expect(problem.detail).not.toMatch(/at .*\.ts:\d+/);
        expect(await listFlags()).toEqual([]);
      });

      it('names every invalid field', async () => {
        const problem = (await post({ flag_name: 'ok', status: 1, rollout_percentage: 500 })).json();
        expect(problem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
          '#/rollout_percentage',
          '#/status',
        ]);
      });

      it('malformed JSON → 400', async () => {
        const res = await app().inject({
          method: 'POST',
          url: '/flags',
          headers: { 'content-type': 'application/json' },
          payload: '{"flag_name": "x",',
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ status: 400, title: 'Bad Request' });
        expect(await listFlags()).toEqual([]);
      });

      it('a body that is not JSON → 415', async () => {
        const res = await app().inject({
          method: 'POST',
          url: '/flags',
          headers: { 'content-type': 'text/plain' },
          payload: 'flag_name=x',
        });
        expect(res.statusCode).toBe(415);
        expect(res.json()).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
        expect(await listFlags()).toEqual([]);
      });

      it('an oversized body → 413', async () => {
        const res = await app().inject({
          method: 'POST',
          url: '/flags',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ flag_name: 'big', description: 'x'.repeat(100 * 1024) }),
        });
        expect(res.statusCode).toBe(413);
        expect(res.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
        expect(await listFlags()).toEqual([]);
      });

      it('a bad flag name in the path → 400', async () => {
        for (const url of ['/flags/a:b', '/flags/-x', `/flags/${'a'.repeat(101)}`, '/users/u/flags/a:b']) {
          const res = await app().inject({ method: 'GET', url });
          expect(res.statusCode, url).toBe(400);
          expect(res.json().errors[0]).toMatchObject({ location: 'params', pointer: '#/flag_name' });
        }
      });

      it('an unknown route → 404 problem', async () => {
        const res = await app().inject({ method: 'GET', url: '/nope' });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route for GET /nope' });
      });
    });

    it('50 concurrent POSTs of one name: exactly one 201, the rest 409', async () => {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => post({ flag_name: 'race', rollout_percentage: i })),
      );
      const codes = responses.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      expect(codes.filter((c) => c === 409)).toHaveLength(49);
      expect(await listFlags()).toHaveLength(1);
    });

    it('concurrent PUTs never corrupt a flag', async () => {
      await post({ flag_name: 'contended', status: false, rollout_percentage: 0, description: 'original' });
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          put('contended', i % 2 === 0 ? { rollout_percentage: i } : { status: i % 4 === 1 }),
        ),
      );
      expect(responses.every((r) => r.statusCode === 200)).toBe(true);
      const final = (await app().inject({ method: 'GET', url: '/flags/contended' })).json();
      expect(final.description).toBe('original');
      expect(Array.from({ length: 20 }, (_, i) => i * 2)).toContain(final.rollout_percentage);
      expect(typeof final.status).toBe('boolean');
    });
  });
});
