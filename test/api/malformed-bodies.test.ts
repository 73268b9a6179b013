import { describe, expect, it } from 'vitest';
import { backends, query } from '../helpers.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

/** A JSON value nested `levels` deep: [[[…[1]…]]]. */
const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe.each(backends)('bodies that would break validation or storage, on $name', (backend) => {
  const testApp = useTestAppAndDatabase(backend, {
    seed: async (app) => void (await app.inject({ method: 'POST', url: '/flags', payload: { flag_name: 'kept' } })),
  });
  const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: string | Buffer, type = 'application/json') =>
    testApp.app().inject({ method, url, payload: body, headers: { 'content-type': type } });
  const stored = async () =>
    (await query(testApp.database(), 'SELECT flag_name, variants FROM flags ORDER BY flag_name')).map((r) => ({
      ...r,
    }));

  describe.skipIf(!backend.available)('', () => {
    it('refuses JSON nested deeper than 64 levels with a 400, on every write, and stores nothing', async () => {
      const before = await stored();
      // The body itself nests 3 levels around the payload: {"variants":[{"payload": …}]}.
      const deep = (levels: number) => `{"variants":[{"key":"a","weight":100,"payload":${nested(levels)}}]}`;
      for (const [method, url, type] of [
        ['POST', '/flags', 'application/json'],
        ['PUT', '/flags/kept', 'application/json'],
        ['PATCH', '/flags/kept', 'application/merge-patch+json'],
      ] as const) {
        const body = method === 'POST' ? deep(1300).replace('{', '{"flag_name":"deep",') : deep(1300);
        const refused = await send(method, url, body, type);
        expect(refused.statusCode, `${method} ${url}`).toBe(400);
        expect(refused.json()).toMatchObject({ status: 400, detail: 'The request body nests deeper than 64 levels' });
      }
      expect(await stored()).toEqual(before);
      // 64 levels in all is allowed.
      const accepted = await send('PUT', '/flags/kept', deep(61));
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(await send('PUT', '/flags/kept', deep(62))).toMatchObject({ statusCode: 400 });
    });

    it('refuses a body that is not UTF-8 with a 400 instead of storing replacement characters', async () => {
      const before = await stored();
      const body = Buffer.concat([
        Buffer.from('{"flag_name":"bad_utf8","description":"bad'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('end"}'),
      ]);
      const refused = await send('POST', '/flags', body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ status: 400, detail: 'The request body is not valid UTF-8' });
      expect(await stored()).toEqual(before);
      // Real UTF-8 beyond ASCII is of course fine.
      const fine = await send('POST', '/flags', Buffer.from('{"flag_name":"utf8","description":"Größe ✓ 旗"}'));
      expect(fine.statusCode).toBe(201);
      expect(fine.json().description).toBe('Größe ✓ 旗');
    });
  });
});
