import { describe, expect, it } from 'vitest';
import { bucketBasisPoints } from '../../src/core/rollout.js';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

describe.each(backends)('evaluation API on $name', (backend) => {
  const { available } = backend;
  const app = useTestApp(backend, {
    seed: async (built) => {
      const flags = [
        { flag_name: 'beta_search', status: true, rollout_percentage: 25 },
        { flag_name: 'new_feature', status: true, rollout_percentage: 50 },
        { flag_name: 'dark_mode', status: true, rollout_percentage: 100 },
        { flag_name: 'killed', status: false, rollout_percentage: 100 },
      ];
      for (const payload of flags)
        expect((await built.inject({ method: 'POST', url: '/flags', payload })).statusCode).toBe(201);
    },
  });

  const evaluate = (user: string, flag: string) =>
    app().inject({ method: 'GET', url: `/users/${encodeURIComponent(user)}/flags/${flag}` });

  describe.skipIf(!available)('', () => {
    it.each([
      ['alice123', 'beta_search', 75.21, false, 'OUT_OF_ROLLOUT'],
      ['bob456', 'beta_search', 80.26, false, 'OUT_OF_ROLLOUT'],
      ['user1', 'new_feature', 46.51, true, 'IN_ROLLOUT'],
      ['user2', 'new_feature', 86.34, false, 'OUT_OF_ROLLOUT'],
      ['ünïcødé-用户', 'dark_mode', 51.63, true, 'IN_ROLLOUT'],
      ['alice123', 'killed', bucketBasisPoints('alice123', 'killed') / 100, false, 'FLAG_DISABLED'],
    ])('%s / %s: bucket %d, enabled %s (%s)', async (user, flag, bucket, enabled, reason) => {
      const res = await evaluate(user, flag);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        user_id: user,
        flag_name: flag,
        enabled,
        reason,
        bucket,
        variant: null,
        payload: null,
        // A boolean flag's OpenFeature value is whether it is on.
        value: enabled,
      });
    });

    it('gives the same answer every time', async () => {
      const answers = await Promise.all(Array.from({ length: 5 }, () => evaluate('repeat-user', 'new_feature')));
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    });

    it('evaluates every flag for a user', async () => {
      const res = await app().inject({ method: 'GET', url: '/users/user1/flags' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        user_id: 'user1',
        flags: {
          beta_search: bucketBasisPoints('user1', 'beta_search') < 2500,
          dark_mode: true,
          killed: false,
          new_feature: true,
        },
      });
    });

    it('accepts user ids with spaces, slashes and 256 characters; refuses 257', async () => {
      for (const user of ['a b/c?d#e', 'x'.repeat(256), '用'.repeat(256)]) {
        const res = await app().inject({ method: 'GET', url: `/users/${encodeURIComponent(user)}/flags` });
        expect(res.statusCode, user).toBe(200);
        expect(res.json().user_id).toBe(user);
      }
      const tooLong = await app().inject({ method: 'GET', url: `/users/${'x'.repeat(257)}/flags/dark_mode` });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().errors[0]).toMatchObject({ location: 'params', pointer: '#/user_id' });
    });

    it('answers 304 to a poll whose ETag is current, for GET /flags and GET /users/{id}/flags', async () => {
      for (const url of ['/flags', '/users/user1/flags']) {
        const first = await app().inject({ method: 'GET', url });
        const etag = first.headers.etag as string;
        expect(etag).toMatch(/^"[\w-]+"$/);
        const again = await app().inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        expect((await app().inject({ method: 'GET', url, headers: { 'if-none-match': '"stale"' } })).statusCode).toBe(
          200,
        );
        expect(
          (await app().inject({ method: 'GET', url, headers: { 'if-none-match': `"stale", W/${etag}` } })).statusCode,
        ).toBe(304);
        expect((await app().inject({ method: 'GET', url, headers: { 'if-none-match': '*' } })).statusCode).toBe(304);
      }
      // Another user's answers are another body, so another tag: never a 304 for someone else's cache.
      const user1 = (await app().inject({ method: 'GET', url: '/users/user1/flags' })).headers.etag as string;
      expect(
        (await app().inject({ method: 'GET', url: '/users/user2/flags', headers: { 'if-none-match': user1 } }))
          .statusCode,
      ).toBe(200);
    });

    it('changes the ETag when a flag changes', async () => {
      const before = (await app().inject({ method: 'GET', url: '/flags' })).headers.etag as string;
      await app().inject({ method: 'PUT', url: '/flags/killed', payload: { description: 'still off' } });
      const after = await app().inject({ method: 'GET', url: '/flags', headers: { 'if-none-match': before } });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(before);
    });

    it('answers 404 for an unknown flag', async () => {
      const res = await evaluate('alice123', 'missing_flag');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ status: 404, detail: 'Flag "missing_flag" not found' });
    });

    it('follows changes: raising the percentage never turns a user off', async () => {
      const users = Array.from({ length: 300 }, (_, i) => `mono-${i}`);
      const before = await Promise.all(users.map(async (u) => (await evaluate(u, 'beta_search')).json().enabled));
      await app().inject({ method: 'PUT', url: '/flags/beta_search', payload: { rollout_percentage: 60 } });
      const after = await Promise.all(users.map(async (u) => (await evaluate(u, 'beta_search')).json().enabled));
      users.forEach((_, i) => before[i] && expect(after[i]).toBe(true));
      expect(after.filter(Boolean).length).toBeGreaterThan(before.filter(Boolean).length);
      await app().inject({ method: 'PUT', url: '/flags/beta_search', payload: { rollout_percentage: 25 } });
    });
  });
});
