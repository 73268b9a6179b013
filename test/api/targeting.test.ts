import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

const betaTesters = {
  name: 'beta_testers',
  description: 'Pro users in Germany, and the QA team',
  conditions: [
    { attribute: 'country', operator: 'equals', value: 'DE' },
    { attribute: 'plan', operator: 'in', value: ['pro', 'enterprise'] },
  ],
  user_ids: ['qa-1'],
};

describe.each(backends)('segments, rules and overrides on $name', (backend) => {
  const app = useTestApp(backend);
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app().inject({ method, url, payload });
  const evaluate = async (user: string, flag: string, query = '') =>
    (await inject('GET', `/users/${user}/flags/${flag}${query}`)).json();

  describe.skipIf(!backend.available)('', () => {
    it('creates, lists, reads and updates segments', async () => {
      const created = await inject('POST', '/segments', betaTesters);
      expect(created.statusCode).toBe(201);
      expect(created.headers.location).toBe('/segments/beta_testers');
      expect(created.json()).toMatchObject(betaTesters);
      expect((await inject('POST', '/segments', betaTesters)).statusCode).toBe(409);
      expect((await inject('GET', '/segments')).json().map((s: { name: string }) => s.name)).toEqual(['beta_testers']);
      const updated = await inject('PUT', '/segments/beta_testers', { user_ids: ['qa-1', 'qa-2'] });
      expect(updated.json()).toMatchObject({ user_ids: ['qa-1', 'qa-2'], conditions: betaTesters.conditions });
      expect((await inject('GET', '/segments/nope')).statusCode).toBe(404);
      expect((await inject('PUT', '/segments/nope', { user_ids: [] })).statusCode).toBe(404);
      const patched = await app().inject({
        method: 'PATCH',
        url: '/segments/beta_testers',
        payload: { description: 'QA' },
      });
      expect(patched.json()).toMatchObject({
        description: 'QA',
        user_ids: ['qa-1', 'qa-2'],
        conditions: betaTesters.conditions,
      });
    });

    it.each([
      [{ attribute: 'country', operator: 'like', value: 'DE' }, /operator/],
      [{ attribute: 'plan', operator: 'in', value: 'pro' }, /list of strings/],
      [{ attribute: 'age', operator: 'gt', value: 'old' }, /number/],
      [{ attribute: 'version', operator: 'semver_gt', value: '2' }, /semantic version/],
      [{ attribute: 'email', operator: 'matches', value: '(?=a)b' }, /not a regular expression RE2 accepts/],
      [{ attribute: 'email', operator: 'matches', value: '[' }, /not a regular expression RE2 accepts/],
      [{ attribute: 'email', operator: 'exists', value: 'x' }, /takes no value/],
      [{ attribute: 'email', operator: 'equals' }, /needs a value/],
    ])('refuses the condition %j with 400 and changes nothing', async (condition, message) => {
      const res = await inject('POST', '/segments', { name: 'bad', conditions: [condition] });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(message);
      expect((await inject('GET', '/segments/bad')).statusCode).toBe(404);
    });

    it('refuses a description with a NUL character, which PostgreSQL cannot store, and changes nothing', async () => {
      const res = await inject('POST', '/segments', { name: 'nul', description: 'a\u0000b' });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        { location: 'body', pointer: '#/description', detail: 'must not contain the NUL character (U+0000)' },
      ]);
      expect((await inject('GET', '/segments/nul')).statusCode).toBe(404);
      expect((await inject('PUT', '/segments/beta_testers', { description: '\u0000' })).statusCode).toBe(400);
    });

    it('refuses a user listed twice in a segment, pointing at the repeat, and changes nothing', async () => {
      const res = await inject('POST', '/segments', { name: 'twice', user_ids: ['qa-1', 'qa-2', 'qa-1'] });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        { location: 'body', pointer: '#/user_ids/2', detail: 'user "qa-1" appears twice' },
      ]);
      expect((await inject('GET', '/segments/twice')).statusCode).toBe(404);
      expect((await inject('PUT', '/segments/beta_testers', { user_ids: ['qa-3', 'qa-3'] })).statusCode).toBe(400);
      expect((await inject('GET', '/segments/beta_testers')).json().user_ids).toEqual(['qa-1', 'qa-2']);
    });

    it('decides a flag by its first matching rule, on segments and attributes, before the default percentage', async () => {
      const flag = {
        flag_name: 'beta_search',
        status: true,
        rollout_percentage: 0,
        rules: [
          { conditions: [{ attribute: 'country', operator: 'equals', value: 'FR' }], rollout_percentage: 0 },
          { segment: 'beta_testers' },
        ],
      };
      expect((await inject('POST', '/flags', flag)).statusCode).toBe(201);

      expect(await evaluate('alice', 'beta_search', '?country=DE&plan=pro')).toMatchObject({
        enabled: true,
        reason: 'RULE_MATCH',
      });
      expect(await evaluate('alice', 'beta_search', '?country=DE&plan=free')).toMatchObject({
        enabled: false,
        reason: 'OUT_OF_ROLLOUT',
      });
      // Listed in the segment: in, whatever the attributes.
      expect(await evaluate('qa-2', 'beta_search')).toMatchObject({ enabled: true, reason: 'RULE_MATCH' });
      // The first rule matches first, and its 0% decides.
      expect(await evaluate('qa-2', 'beta_search', '?country=FR')).toMatchObject({
        enabled: false,
        reason: 'RULE_MATCH',
      });
      // Without attributes nothing changes for anyone else: the flag's own percentage decides.
      expect(await evaluate('alice', 'beta_search')).toMatchObject({ enabled: false, reason: 'OUT_OF_ROLLOUT' });
      expect((await inject('GET', '/users/alice/flags?country=DE&plan=pro')).json().flags).toEqual({
        beta_search: true,
      });
      // Query attributes are validated like any input.
      const tooLong = await inject('GET', `/users/alice/flags/beta_search?country=${'x'.repeat(1001)}`);
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().errors[0]).toMatchObject({ location: 'querystring', pointer: '#/country' });

      // A segment change applies at once.
      await inject('PUT', '/segments/beta_testers', {
        conditions: [{ attribute: 'country', operator: 'equals', value: 'AT' }],
      });
      expect(await evaluate('alice', 'beta_search', '?country=DE&plan=pro')).toMatchObject({ enabled: false });
      await inject('PUT', '/segments/beta_testers', { conditions: betaTesters.conditions });
    });

    it('takes typed attributes through POST /evaluate and POST /evaluate/{flag_name}', async () => {
      await inject('POST', '/flags', {
        flag_name: 'new_checkout',
        status: true,
        rollout_percentage: 0,
        rules: [
          {
            conditions: [
              { attribute: 'age', operator: 'gte', value: 18 },
              { attribute: 'app_version', operator: 'semver_gte', value: '2.10.0' },
              { attribute: 'roles', operator: 'contains', value: 'admin' },
              { attribute: 'employee', operator: 'equals', value: true },
            ],
          },
        ],
      });
      const attributes = { age: 30, app_version: '2.10.1', roles: ['admin', 'ops'], employee: true };
      const one = await inject('POST', '/evaluate/new_checkout', { user_id: 'u1', attributes });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        user_id: 'u1',
        flag_name: 'new_checkout',
        enabled: true,
        reason: 'RULE_MATCH',
        variant: null,
      });
      const all = (
        await inject('POST', '/evaluate', { user_id: 'u1', attributes: { ...attributes, app_version: '2.9.0' } })
      ).json();
      expect(all.flags.new_checkout).toEqual({
        enabled: false,
        reason: 'OUT_OF_ROLLOUT',
        variant: null,
        payload: null,
        value: false,
      });
      expect(Object.keys(all.flags)).toEqual(['beta_search', 'new_checkout']);
      expect((await inject('POST', '/evaluate/nope', { user_id: 'u1' })).statusCode).toBe(404);
      for (const body of [{ attributes: {} }, { user_id: 'u1', attributes: [] }, { user_id: 'u1', extra: 1 }]) {
        expect((await inject('POST', '/evaluate', body)).statusCode, JSON.stringify(body)).toBe(400);
      }
    });

    it('applies overrides before the rules, and rule variant splits', async () => {
      await inject('POST', '/flags', {
        flag_name: 'button',
        status: true,
        variants: [
          { key: 'control', weight: 50 },
          { key: 'blue', weight: 50, payload: { color: 'blue' } },
        ],
        rules: [{ segment: 'beta_testers', variants: [{ key: 'blue', weight: 100 }] }],
        overrides: [
          { user_id: 'vip', enabled: true, variant: 'control' },
          { user_id: 'qa-1', enabled: false },
        ],
      });
      for (let i = 0; i < 20; i++) {
        expect(await evaluate(`user-${i}`, 'button', '?country=DE&plan=pro')).toMatchObject({
          enabled: true,
          reason: 'RULE_MATCH',
          variant: 'blue',
          payload: { color: 'blue' },
        });
      }
      expect(await evaluate('vip', 'button', '?country=DE&plan=pro')).toMatchObject({
        enabled: true,
        reason: 'OVERRIDE',
        variant: 'control',
        payload: null,
      });
      expect(await evaluate('qa-1', 'button')).toMatchObject({ enabled: false, reason: 'OVERRIDE', variant: null });
      await inject('PUT', '/flags/button', { status: false });
      expect(await evaluate('vip', 'button')).toMatchObject({ enabled: false, reason: 'FLAG_DISABLED' });
      await inject('PUT', '/flags/button', { status: true });
    });

    it('takes a rule for any user (no segment, no conditions): its percentage decides for everyone it reaches', async () => {
      await inject('POST', '/flags', { flag_name: 'anyone', status: true, rollout_percentage: 0 });
      const saved = await inject('PUT', '/flags/anyone', { rules: [{ rollout_percentage: 50 }] });
      expect(saved.statusCode).toBe(200);
      expect(saved.json().rules).toEqual([{ segment: null, conditions: [], rollout_percentage: 50, variants: [] }]);
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => evaluate(`any-${i}`, 'anyone')));
      for (const answer of answers) {
        expect(answer.reason).toBe('RULE_MATCH');
        expect(answer.enabled).toBe(answer.bucket < 50);
      }
      expect(answers.some((a) => a.enabled)).toBe(true);
      expect(answers.some((a) => !a.enabled)).toBe(true);
      await inject('DELETE', '/flags/anyone');
    });

    it.each([
      ['an unknown segment', { rules: [{ segment: 'nobody' }] }, /no segment named "nobody"/],
      [
        'a rule split over an unknown variant',
        { rules: [{ segment: 'beta_testers', variants: [{ key: 'red', weight: 100 }] }] },
        /no variant "red"/,
      ],
      [
        'a rule split that does not add up',
        { rules: [{ segment: 'beta_testers', variants: [{ key: 'blue', weight: 60 }] }] },
        /add up to 100/,
      ],
      [
        'an override naming an unknown variant',
        { overrides: [{ user_id: 'u', enabled: true, variant: 'red' }] },
        /no variant "red"/,
      ],
      [
        'an override forcing off with a variant',
        { overrides: [{ user_id: 'u', enabled: false, variant: 'blue' }] },
        /only be forced together with enabled/,
      ],
      [
        'the same user overridden twice',
        {
          overrides: [
            { user_id: 'u', enabled: true },
            { user_id: 'u', enabled: false },
          ],
        },
        /appears twice/,
      ],
      ['variants the rules still use being removed', { variants: [] }, /no variant "blue"/],
    ])('refuses %s with 400 and changes nothing', async (_name, changes, message) => {
      const before = (await inject('GET', '/flags/button')).json();
      const res = await inject('PUT', '/flags/button', changes);
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(message);
      expect(res.json().errors[0]).toMatchObject({
        location: 'body',
        pointer: expect.stringMatching(/^#\/\w/),
        detail: expect.stringMatching(message),
      });
      expect((await inject('GET', '/flags/button')).json()).toEqual(before);
    });

    it('points at the field that names something missing, as schema errors do', async () => {
      const res = await inject('PUT', '/flags/button', { rules: [{ segment: 'beta_testers' }, { segment: 'nobody' }] });
      expect(res.json()).toMatchObject({
        status: 400,
        detail: 'The request is invalid: rules/1/segment: no segment named "nobody"',
        errors: [{ location: 'body', pointer: '#/rules/1/segment', detail: 'no segment named "nobody"' }],
      });
    });

    it('refuses to delete a segment in use, naming the flags, and deletes it once unused', async () => {
      const refused = await inject('DELETE', '/segments/beta_testers');
      expect(refused.statusCode).toBe(409);
      expect(refused.json().detail).toMatch(/"beta_search", "button"/);
      await inject('PUT', '/flags/beta_search', { rules: [] });
      await inject('PUT', '/flags/button', { rules: [] });
      expect((await inject('DELETE', '/segments/beta_testers')).statusCode).toBe(204);
      expect((await inject('GET', '/segments/beta_testers')).statusCode).toBe(404);
      const history = (await inject('GET', '/audit?limit=200'))
        .json()
        .entries.filter((e: { target_type: string }) => e.target_type === 'segment');
      expect(history.map((e: { action: string }) => e.action)).toEqual([
        'segment.deleted',
        'segment.updated',
        'segment.updated',
        'segment.updated',
        'segment.updated',
        'segment.created',
      ]);
    });
  });
});
