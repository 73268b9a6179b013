import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { backends, query } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

const DAY_MS = 86_400_000;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe.each(backends)('projects and environments on $name', (backend) => {
  const clock = new ManualClock();
  const { app, database } = useTestAppAndDatabase(backend, {
    clock,
    // The configuration is polled hourly: moving the clock by days takes no database round trips a second.
    env: { SNAPSHOT_POLL_MS: '3600000', RATE_LIMIT_WRITES: '0' },
  });
  const inject = async (method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method, url, payload: payload as object, headers });
  const ok = async (method: Method, url: string, payload?: unknown) => {
    const res = await inject(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const evaluate = async (project: string, environment: string, user: string, flag: string) =>
    (await ok('GET', `/projects/${project}/environments/${environment}/users/${user}/flags/${flag}`)) as {
      enabled: boolean;
      reason: string;
      variant: string | null;
    };
  const problem = async (method: Method, url: string, payload: unknown, status: number, detail: RegExp) => {
    const res = await inject(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(detail);
    return res.json();
  };

  describe.skipIf(!backend.available)('', () => {
    it('starts with project default and its development and production, which the seed endpoints address', async () => {
      expect((await ok('GET', '/projects')).map((p: { key: string }) => p.key)).toEqual(['default']);
      const created = await ok('POST', '/flags', { flag_name: 'seeded', status: true });
      expect(created).toMatchObject({ flag_name: 'seeded', status: true, kind: 'release', tags: [] });
      expect(await evaluate('default', 'production', 'u1', 'seeded')).toMatchObject({ enabled: true });
      // Everywhere else it is off until someone turns it on there.
      expect(await evaluate('default', 'development', 'u1', 'seeded')).toMatchObject({
        enabled: false,
        reason: 'FLAG_DISABLED',
      });
      const definition = await ok('GET', '/projects/default/flags/seeded');
      expect(definition.environments).toMatchObject({
        development: { status: false },
        production: { status: true, rollout_percentage: 100 },
      });
    });

    it('creates projects and environments, and refuses what is not there or taken', async () => {
      const project = await ok('POST', '/projects', { key: 'shop', name: 'Shop', description: 'The web shop' });
      expect(project.environments.map((e: { key: string }) => e.key)).toEqual(['development', 'production']);
      await problem('POST', '/projects', { key: 'shop', name: 'Again' }, 409, /already exists/);
      await problem('POST', '/projects', { key: 'no spaces', name: 'x' }, 400, /key/);
      await problem('GET', '/projects/nope', undefined, 404, /Project "nope" not found/);
      await problem('GET', '/projects/nope/flags', undefined, 404, /Project "nope" not found/);
      await problem('GET', '/projects/shop/environments/nope/flags', undefined, 404, /Environment "nope" not found/);
      await problem('GET', '/projects/nope/environments/production/users/u/flags/x', undefined, 404, /Project/);

      const staging = await ok('POST', '/projects/shop/environments', { key: 'staging', name: 'Staging', position: 1 });
      expect(staging).toMatchObject({ key: 'staging', position: 1 });
      await problem('POST', '/projects/shop/environments', { key: 'staging', name: 'Again' }, 409, /already exists/);
      await problem(
        'POST',
        '/projects/shop/environments',
        { key: 'qa', name: 'QA', copy_from: 'nope' },
        400,
        /environment "nope" not found/,
      );
      expect((await ok('GET', '/projects/shop/environments')).map((e: { key: string }) => e.key)).toEqual([
        'development',
        'staging',
        'production',
      ]);
      // Moved to the front, then renamed: keys bound to it would follow (they hold its id).
      await ok('PATCH', '/projects/shop/environments/staging', { position: 0 });
      await ok('PATCH', '/projects/shop/environments/staging', { key: 'stage', name: 'Stage' });
      expect(
        (await ok('GET', '/projects/shop')).environments.map((e: { key: string; position: number }) => [
          e.key,
          e.position,
        ]),
      ).toEqual([
        ['stage', 0],
        ['development', 1],
        ['production', 2],
      ]);
      await ok('PATCH', '/projects/shop', { description: null });
      expect((await ok('GET', '/projects/shop')).description).toBeNull();
    });

    it('keeps flags apart: a definition per project, settings per environment, segments per project', async () => {
      await ok('POST', '/projects', { key: 'books', name: 'Books' });
      await ok('POST', '/projects/books/segments', { name: 'staff', user_ids: ['alice'] });
      const created = await ok('POST', '/projects/books/flags', {
        flag_name: 'seeded',
        description: 'The same name as in default, another flag',
        tags: ['team:books'],
        variants: [
          { key: 'a', payload: { colour: 'red' } },
          { key: 'b', payload: null },
        ],
      });
      expect(created.environments).toMatchObject({ development: { status: false }, production: { status: false } });
      await ok('PATCH', '/projects/books/environments/development/flags/seeded', {
        status: true,
        variants: [
          { key: 'a', weight: 0 },
          { key: 'b', weight: 100 },
        ],
        rules: [{ segment: 'staff', rollout_percentage: 100, variants: [{ key: 'a', weight: 100 }] }],
      });
      expect(await evaluate('books', 'development', 'alice', 'seeded')).toMatchObject({ enabled: true, variant: 'a' });
      expect(await evaluate('books', 'development', 'bob', 'seeded')).toMatchObject({ enabled: true, variant: 'b' });
      expect(await evaluate('books', 'production', 'alice', 'seeded')).toMatchObject({ enabled: false });
      // The default project's flag of the same name is untouched, and so is its segment list.
      expect(await ok('GET', '/flags/seeded')).toMatchObject({ status: true, variants: [], description: null });
      expect((await ok('GET', '/segments')).map((s: { name: string }) => s.name)).not.toContain('staff');
      // Settings name the definition's variants; the definition is the project's.
      await problem(
        'PATCH',
        '/projects/books/environments/production/flags/seeded',
        { variants: [{ key: 'a', weight: 100 }] },
        400,
        /each of the flag's variants/,
      );
      await problem(
        'PATCH',
        '/projects/books/environments/production/flags/seeded',
        { description: 'x' },
        400,
        /unknown field "description"/,
      );
      await problem(
        'DELETE',
        '/projects/books/segments/staff',
        undefined,
        409,
        /used by the rules of "seeded" in "development"/,
      );
      // A new variant in the definition: every environment takes the weights given with it.
      const changed = await ok('PATCH', '/projects/books/flags/seeded', {
        variants: [
          { key: 'a', payload: null, weight: 50 },
          { key: 'b', payload: null, weight: 25 },
          { key: 'c', payload: null, weight: 25 },
        ],
      });
      expect(changed.variants.map((v: { key: string }) => v.key)).toEqual(['a', 'b', 'c']);
      expect((await ok('GET', '/projects/books/environments/production/flags/seeded')).variants).toEqual([
        { key: 'a', weight: 50, payload: null },
        { key: 'b', weight: 25, payload: null },
        { key: 'c', weight: 25, payload: null },
      ]);
      // Removing a variant that a rule still names is refused, in whichever environment it is.
      await problem(
        'PATCH',
        '/projects/books/flags/seeded',
        { variants: [{ key: 'b', payload: null }] },
        400,
        /no variant "a"/,
      );
    });

    it('creates a flag off everywhere with the percentage each environment reaches once it is turned on', async () => {
      await ok('POST', '/projects', { key: 'cautious', name: 'Cautious' });
      const careful = await ok('POST', '/projects/cautious/flags', { flag_name: 'careful', rollout_percentage: 0 });
      expect(careful.environments).toMatchObject({
        development: { status: false, rollout_percentage: 0 },
        production: { status: false, rollout_percentage: 0 },
      });
      await ok('PATCH', '/projects/cautious/environments/production/flags/careful', { status: true });
      expect(await evaluate('cautious', 'production', 'u1', 'careful')).toMatchObject({ enabled: false });
      const fifth = await ok('POST', '/projects/cautious/flags', { flag_name: 'fifth', rollout_percentage: 20.5 });
      expect(fifth.environments.production.rollout_percentage).toBe(20.5);
      // Left out, it is the seed's 100.
      const whole = await ok('POST', '/projects/cautious/flags', { flag_name: 'whole' });
      expect(whole.environments.production.rollout_percentage).toBe(100);
      await problem('POST', '/projects/cautious/flags', { flag_name: 'bad', rollout_percentage: 101 }, 400, /rollout/);
      const tooFine = { flag_name: 'bad', rollout_percentage: 0.001 };
      await problem('POST', '/projects/cautious/flags', tooFine, 400, /rollout/);
      expect((await inject('GET', '/projects/cautious/flags/bad')).statusCode).toBe(404);
    });

    it('creates an environment with every flag off, or as a copy of another', async () => {
      await ok('PATCH', '/flags/seeded', { rollout_percentage: 40 });
      await ok('POST', '/projects/default/environments', { key: 'qa', name: 'QA', copy_from: 'production' });
      await ok('POST', '/projects/default/environments', { key: 'sandbox', name: 'Sandbox' });
      expect(await ok('GET', '/projects/default/environments/qa/flags/seeded')).toMatchObject({
        status: true,
        rollout_percentage: 40,
      });
      expect(await ok('GET', '/projects/default/environments/sandbox/flags/seeded')).toMatchObject({
        status: false,
        rollout_percentage: 100,
      });
      // Deleting one that holds flags needs its key again; then its settings go with it.
      await problem('DELETE', '/projects/default/environments/sandbox', undefined, 409, /\?confirm=sandbox/);
      await ok('DELETE', '/projects/default/environments/sandbox?confirm=sandbox');
      await problem('GET', '/projects/default/environments/sandbox/flags', undefined, 404, /not found/);
      expect(
        Number(
          (await query(database(), "SELECT COUNT(*) AS n FROM environments WHERE environment_key = 'sandbox'"))[0].n,
        ),
      ).toBe(0);
      // What requests without a project address stays.
      await problem('DELETE', '/projects/default/environments/production?confirm=production', undefined, 409, /stays/);
      await problem('DELETE', '/projects/default?confirm=default', undefined, 409, /stays/);
    });

    it('promotes a flag between environments with a diff, field by field, and one audit entry', async () => {
      await ok('POST', '/projects/default/segments', { name: 'beta', user_ids: ['b1'] });
      await ok('POST', '/flags', { flag_name: 'banner', status: true });
      await ok('POST', '/flags', {
        flag_name: 'checkout',
        variants: [
          { key: 'old', weight: 50 },
          { key: 'new', weight: 50 },
        ],
      });
      await ok('PATCH', '/projects/default/environments/qa/flags/checkout', {
        status: true,
        rollout_percentage: 30,
        variants: [
          { key: 'old', weight: 10 },
          { key: 'new', weight: 90 },
        ],
        rules: [{ segment: 'beta', rollout_percentage: 100 }],
        overrides: [{ user_id: 'ceo', enabled: true, variant: 'new' }],
        prerequisites: [{ flag: 'banner' }],
      });
      const expected = [
        { field: 'status', change: 'changed', before: false, after: true },
        { field: 'rollout_percentage', change: 'changed', before: 100, after: 30 },
        { field: 'variants.old.weight', change: 'changed', before: 50, after: 10 },
        { field: 'variants.new.weight', change: 'changed', before: 50, after: 90 },
        {
          field: 'rules[0]',
          change: 'added',
          before: null,
          after: { segment: 'beta', conditions: [], rollout_percentage: 100, variants: [] },
        },
        {
          field: 'overrides.ceo',
          change: 'added',
          before: null,
          after: { user_id: 'ceo', enabled: true, variant: 'new' },
        },
        { field: 'prerequisites.banner', change: 'added', before: null, after: { flag: 'banner', variant: null } },
      ];
      const diff = await ok('GET', '/projects/default/flags/checkout/diff?from=qa&to=production');
      expect(diff).toEqual({ flag_name: 'checkout', from: 'qa', to: 'production', changes: expected });

      const auditBefore = (await ok('GET', '/audit?limit=1')).entries[0].id;
      const dryRun = await ok('POST', '/projects/default/flags/checkout/promote', {
        from: 'qa',
        to: 'production',
        dry_run: true,
      });
      expect(dryRun).toEqual({
        from: 'qa',
        to: 'production',
        flags: [{ flag_name: 'checkout', changes: expected }],
        applied: false,
      });
      expect(await evaluate('default', 'production', 'ceo', 'checkout')).toMatchObject({ enabled: false });
      expect((await ok('GET', '/audit?limit=1')).entries[0].id).toBe(auditBefore);

      const applied = await ok('POST', '/projects/default/flags/checkout/promote', { from: 'qa', to: 'production' });
      expect(applied).toMatchObject({ applied: true, flags: [{ flag_name: 'checkout', changes: expected }] });
      expect(await evaluate('default', 'production', 'ceo', 'checkout')).toMatchObject({
        enabled: true,
        variant: 'new',
      });
      expect(await ok('GET', '/flags/checkout')).toMatchObject({ status: true, rollout_percentage: 30 });
      const [entry] = (await ok('GET', '/audit?limit=2')).entries;
      expect(entry).toMatchObject({
        action: 'flag.promoted',
        target: 'checkout',
        project: 'default',
        environment: 'production',
        before: { from: 'qa', status: false },
        after: { from: 'qa', status: true, rollout_percentage: 30 },
      });
      expect((await ok('GET', '/audit?limit=2')).entries[1].id).toBe(auditBefore);
      // Nothing left to promote: nothing written.
      expect(await ok('POST', '/projects/default/flags/checkout/promote', { from: 'qa', to: 'production' })).toEqual({
        from: 'qa',
        to: 'production',
        flags: [],
        applied: false,
      });
      await problem(
        'POST',
        '/projects/default/flags/checkout/promote',
        { from: 'qa', to: 'nope' },
        400,
        /environment "nope" not found in project "default"/,
      );
      // Environments of another project are not this project's: a promotion never crosses projects.
      await problem(
        'POST',
        '/projects/default/flags/checkout/promote',
        { from: 'qa', to: 'stage' },
        400,
        /environment "stage" not found in project "default"/,
      );
      await problem('POST', '/projects/default/flags/ghost/promote', { from: 'qa', to: 'production' }, 404, /ghost/);
    });

    it('refuses a promotion that would break the target, listing every problem, and changes nothing', async () => {
      // In qa, banner requires checkout; in production checkout requires banner. Promoting banner would close a cycle.
      await ok('PATCH', '/projects/default/environments/qa/flags/checkout', { prerequisites: [] });
      await ok('PATCH', '/projects/default/environments/qa/flags/banner', { prerequisites: [{ flag: 'checkout' }] });
      const refused = await problem(
        'POST',
        '/projects/default/flags/banner/promote',
        { from: 'qa', to: 'production' },
        409,
        /would break it/,
      );
      expect(refused.problems).toEqual(['prerequisites would make a cycle: "banner" → "checkout" → "banner"']);
      expect(await ok('GET', '/flags/banner')).toMatchObject({ prerequisites: [] });
      // The whole environment at once: checkout first drops its prerequisite, so banner's is fine.
      const promoted = await ok('POST', '/projects/default/environments/production/promote', {
        from: 'qa',
        flags: ['banner', 'checkout'],
      });
      expect(promoted.applied).toBe(true);
      expect(promoted.flags.map((f: { flag_name: string }) => f.flag_name)).toEqual(['banner', 'checkout']);
      expect(await ok('GET', '/flags/banner')).toMatchObject({ prerequisites: [{ flag: 'checkout', variant: null }] });
      const [entry] = (await ok('GET', '/audit?limit=1')).entries;
      expect(entry).toMatchObject({ action: 'environment.promoted', target: 'production', environment: 'production' });
      expect(Object.keys(entry.after.flags).sort()).toEqual(['banner', 'checkout']);
      await problem(
        'POST',
        '/projects/default/environments/production/promote',
        { from: 'qa', flags: ['ghost'] },
        400,
        /no flag named "ghost"/,
      );
    });

    it('schedules and experiments belong to one environment', async () => {
      await ok('PATCH', '/flags/banner', { status: true });
      await ok('PATCH', '/projects/default/environments/qa/flags/banner', { status: true });
      const at = new Date(clock.now() + 3_600_000).toISOString();
      await ok('POST', '/projects/default/environments/qa/flags/banner/schedules', { at, set: { status: false } });
      expect(await ok('GET', '/flags/banner/schedules')).toEqual([]);
      await clock.advance(3_600_000);
      expect(await evaluate('default', 'qa', 'u1', 'banner')).toMatchObject({ reason: 'FLAG_DISABLED' });
      expect((await ok('GET', '/projects/default/environments/qa/flags/banner')).status).toBe(false);
      expect((await ok('GET', '/flags/banner')).status).toBe(true);

      const metrics = [{ key: 'buy', event: 'buy', type: 'binomial' }];
      const experiment = { key: 'qa_test', flag_name: 'checkout', control: 'old', metrics };
      await ok('POST', '/projects/default/environments/qa/experiments', experiment);
      await ok('POST', '/projects/default/environments/qa/experiments/qa_test/start');
      await problem('GET', '/experiments/qa_test', undefined, 404, /qa_test/);
      // The same key may name another experiment in production, on the same flag, running at the same time.
      await ok('POST', '/experiments', experiment);
      await ok('POST', '/experiments/qa_test/start');
      // A user each environment gives a variant to (only they are exposed).
      const userWithVariant = async (environment: string) => {
        for (let i = 0; ; i++) {
          if ((await evaluate('default', environment, `${environment}-${i}`, 'checkout')).variant)
            return `${environment}-${i}`;
        }
      };
      const [qaUser, prodUser] = [await userWithVariant('qa'), await userWithVariant('production')];
      await clock.advance(1000);
      const exposed = await query(
        database(),
        'SELECT v.environment_key, x.user_id FROM exposures x JOIN experiments e ON e.id = x.experiment_id ' +
          "JOIN environments v ON v.id = e.environment_id WHERE e.experiment_key = 'qa_test' ORDER BY x.user_id",
      );
      expect(exposed.map((r) => [r.environment_key, r.user_id])).toEqual([
        ['production', prodUser],
        ['qa', qaUser],
      ]);
      await ok('POST', '/projects/default/environments/qa/events', {
        events: [{ type: 'track', event: 'buy', user_id: qaUser }],
      });
      const qa = await ok('GET', '/projects/default/environments/qa/experiments/qa_test/results');
      const production = await ok('GET', '/experiments/qa_test/results');
      const conversions = (r: { metrics: { variants: { conversions: number }[] }[] }) =>
        r.metrics[0].variants.reduce((sum, v) => sum + v.conversions, 0);
      expect([conversions(qa), conversions(production)]).toEqual([1, 0]);
      await ok('POST', '/experiments/qa_test/stop');
      await ok('POST', '/projects/default/environments/qa/experiments/qa_test/stop');
    });

    it('lists flags by name, description, tag and staleness, in pages with a cursor and a Link header', async () => {
      for (const [flag_name, description, tags] of [
        ['list_alpha', 'Alpha launch', ['team:web']],
        ['list_beta', null, ['team:web', 'q4']],
        ['list_gamma', 'Gamma for APPS', []],
      ] as const) {
        await ok('POST', '/projects/default/flags', { flag_name, description, tags });
      }
      const names = async (url: string) => (await ok('GET', url)).flags.map((f: { flag_name: string }) => f.flag_name);
      expect(await names('/projects/default/flags?q=list_')).toEqual(['list_alpha', 'list_beta', 'list_gamma']);
      expect(await names('/projects/default/flags?q=apps')).toEqual(['list_gamma']);
      expect(await names('/projects/default/flags?tag=team:web')).toEqual(['list_alpha', 'list_beta']);
      expect(await names('/projects/default/flags?tag=q4&q=beta')).toEqual(['list_beta']);
      const first = await inject('GET', '/projects/default/flags?q=list_&limit=2');
      expect(first.json().flags.map((f: { flag_name: string }) => f.flag_name)).toEqual(['list_alpha', 'list_beta']);
      expect(first.json().next_cursor).toBe('list_beta');
      expect(first.headers.link).toBe('</projects/default/flags?q=list_&limit=2&cursor=list_beta>; rel="next"');
      const second = await ok('GET', '/projects/default/flags?q=list_&limit=2&cursor=list_beta');
      expect(second).toMatchObject({ flags: [{ flag_name: 'list_gamma' }], next_cursor: null });
      // The seed's list: the whole list without limit; a page with it.
      expect(Array.isArray(await ok('GET', '/flags'))).toBe(true);
      const page = await inject('GET', '/flags?q=list_&limit=1');
      expect(page.json()).toMatchObject({ flags: [{ flag_name: 'list_alpha' }], next_cursor: 'list_alpha' });
      expect(page.headers.link).toBe('</flags?q=list_&limit=1&cursor=list_alpha>; rel="next"');
      expect(await names('/projects/default/environments/production/flags?tag=team:web')).toEqual([
        'list_alpha',
        'list_beta',
      ]);
      // A typo is refused, not read as "everything".
      const typo = await problem('GET', '/projects/default/flags?tags=q4', undefined, 400, /unknown field "tags"/);
      expect(typo.errors).toEqual([{ location: 'querystring', pointer: '#/tags', detail: 'unknown field "tags"' }]);
      await problem('GET', '/flags?limt=5', undefined, 400, /unknown field "limt"/);
      await problem('GET', '/flags?stale=maybe', undefined, 400, /stale/);
      // Evaluation endpoints still read query parameters as attributes.
      expect((await inject('GET', '/users/u1/flags?country=DE&anything=1')).statusCode).toBe(200);
    });

    it('reports flags past their kind’s lifetime or not evaluated for 30 days as stale, in the list and in /metrics', async () => {
      await ok('POST', '/projects', { key: 'life', name: 'Lifecycle' });
      for (const [flag_name, kind] of [
        ['ops_toggle', 'operational'],
        ['kill', 'kill_switch'],
        ['launch', 'release'],
      ] as const) {
        await ok('POST', '/projects/life/flags', { flag_name, kind });
      }
      const stale = async () =>
        Object.fromEntries(
          (await ok('GET', '/projects/life/flags')).flags.map((f: { flag_name: string; stale: unknown }) => [
            f.flag_name,
            f.stale,
          ]),
        );
      expect(await stale()).toEqual({ kill: null, launch: null, ops_toggle: null });
      await clock.advance(8 * DAY_MS);
      expect((await stale()).ops_toggle).toEqual({
        reason: 'past_expected_lifetime',
        detail: 'an operational flag is expected to live 7 days; this one is 8 days old',
      });
      expect((await stale()).launch).toBeNull();
      // Evaluated (in any environment) keeps it in use; the minute's flush records it.
      await evaluate('life', 'development', 'u1', 'launch');
      await evaluate('life', 'development', 'u1', 'kill');
      await clock.advance(60_000);
      const listed = (await ok('GET', '/projects/life/flags/launch')).environments.development.last_evaluated_at;
      // Written by the once-a-minute flush: within the minute just passed.
      expect(clock.now() - Date.parse(listed)).toBeGreaterThanOrEqual(0);
      expect(clock.now() - Date.parse(listed)).toBeLessThan(60_000);
      await clock.advance(25 * DAY_MS);
      expect(await stale()).toMatchObject({ kill: null, launch: null });
      await clock.advance(6 * DAY_MS);
      expect(await stale()).toMatchObject({
        kill: { reason: 'not_evaluated', detail: 'not evaluated in any environment for 31 days' },
        launch: { reason: 'not_evaluated' },
        ops_toggle: { reason: 'past_expected_lifetime' },
      });
      await clock.advance(10 * DAY_MS);
      expect((await stale()).launch).toEqual({
        reason: 'past_expected_lifetime',
        detail: 'a release flag is expected to live 40 days; this one is 49 days old',
      });
      const names = async (url: string) => (await ok('GET', url)).flags.map((f: { flag_name: string }) => f.flag_name);
      expect(await names('/projects/life/flags?stale=true')).toEqual(['kill', 'launch', 'ops_toggle']);
      expect(await names('/projects/life/flags?stale=false')).toEqual([]);
      expect(await names('/projects/life/environments/production/flags?stale=true')).toEqual([
        'kill',
        'launch',
        'ops_toggle',
      ]);
      const metrics = (await inject('GET', '/metrics')).body;
      expect(metrics).toMatch(/^feature_flags_stale_flags\{project="life"\} 3$/m);
    });

    it('exports a project as one document, JSON or YAML, that imports into another with the same answers', async () => {
      const exported = await inject('GET', '/projects/default/export?environments=qa,production');
      expect(exported.statusCode).toBe(200);
      const document = exported.json();
      expect(document.version).toBe(1);
      expect(document.environments.map((e: { key: string }) => e.key)).toEqual(['production', 'qa']);
      expect(document.flags.map((f: { flag_name: string }) => f.flag_name)).toEqual(
        [...document.flags.map((f: { flag_name: string }) => f.flag_name)].sort(),
      );
      const yaml = await inject('GET', '/projects/default/export?environments=qa,production', undefined, {
        accept: 'application/yaml',
      });
      expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
      expect(parseYaml(yaml.body)).toEqual(document);
      // The same export twice is the same text: it diffs well in git.
      expect((await inject('GET', '/projects/default/export?environments=qa,production')).body).toBe(exported.body);

      await ok('POST', '/projects', {
        key: 'mirror',
        name: 'Mirror',
        environments: [{ key: 'production', name: 'Prod' }],
      });
      const dryRun = await ok('POST', '/projects/mirror/import', { document, dry_run: true });
      expect(dryRun.applied).toBe(false);
      expect(dryRun.changes).toContainEqual({ type: 'environment', name: 'qa', change: 'added', fields: [] });
      const checkout = dryRun.changes.find((c: { name: string }) => c.name === 'checkout');
      expect(checkout).toMatchObject({ type: 'flag', change: 'added' });
      // Fields are named as the API's JSON names them.
      for (const { field } of checkout.fields as { field: string }[]) {
        expect(field).toMatch(
          /^(description|kind|tags|value_type|variants|off_variant|(qa|production)\.[a-z_.[\]0-9-]+)$/,
        );
      }
      expect(checkout.fields.map((f: { field: string }) => f.field)).toContain('value_type');
      expect((await ok('GET', '/projects/mirror/flags')).flags).toEqual([]);

      const applied = await ok('POST', '/projects/mirror/import', { document });
      expect(applied.applied).toBe(true);
      for (const user of ['ceo', 'b1', 'u1', 'u2', 'u3']) {
        for (const flag of ['checkout', 'banner', 'seeded']) {
          expect(await evaluate('mirror', 'production', user, flag), `${flag} for ${user}`).toEqual(
            await evaluate('default', 'production', user, flag),
          );
        }
      }
      // Again: nothing to change, nothing written.
      const auditBefore = (await ok('GET', '/audit?limit=1')).entries[0].id;
      expect(await ok('POST', '/projects/mirror/import', { document })).toEqual({
        mode: 'merge',
        changes: [],
        applied: false,
      });
      expect((await ok('GET', '/audit?limit=1')).entries[0].id).toBe(auditBefore);
      // YAML in, as exported: the same document.
      expect(await ok('POST', '/projects/mirror/import', { document: parseYaml(yaml.body) })).toMatchObject({
        changes: [],
      });
    });

    it('imports merge and replace atomically, refusing a document that would break the project', async () => {
      await ok('POST', '/projects/mirror/flags', { flag_name: 'local_only' });
      const document = {
        version: 1,
        segments: [{ name: 'vip', user_ids: ['v1'] }],
        flags: [
          {
            flag_name: 'checkout',
            description: 'From git',
            variants: [
              { key: 'old', payload: null },
              { key: 'new', payload: null },
            ],
            environments: {
              production: {
                status: true,
                rollout_percentage: 5,
                variants: [
                  { key: 'old', weight: 0 },
                  { key: 'new', weight: 100 },
                ],
                rules: [{ segment: 'vip', rollout_percentage: 100 }],
              },
            },
          },
        ],
      };
      const merged = await ok('POST', '/projects/mirror/import', { document, mode: 'merge' });
      const checkout = merged.changes.find((c: { name: string }) => c.name === 'checkout');
      expect(checkout.fields).toContainEqual({
        field: 'description',
        change: 'changed',
        before: null,
        after: 'From git',
      });
      expect(checkout.fields).toContainEqual({
        field: 'production.rollout_percentage',
        change: 'changed',
        before: 30,
        after: 5,
      });
      expect(await evaluate('mirror', 'production', 'v1', 'checkout')).toMatchObject({ enabled: true, variant: 'new' });
      expect(await ok('GET', '/projects/mirror/flags/local_only')).toMatchObject({ flag_name: 'local_only' });

      // A rule naming a segment the document drops, and a prerequisite on a flag it does not hold: refused whole.
      const broken = {
        version: 1,
        flags: [
          {
            flag_name: 'checkout',
            environments: {
              production: { status: true, rules: [{ segment: 'vip' }], prerequisites: [{ flag: 'gone' }] },
            },
          },
        ],
      };
      const refused = await problem(
        'POST',
        '/projects/mirror/import',
        { document: broken, mode: 'replace' },
        409,
        /broken/,
      );
      expect(refused.problems).toEqual([
        'flag "checkout" in "production": rules/0/segment: no segment named "vip"',
        // Its settings in qa, which the document leaves as they are, name a variant the document drops.
        'flag "checkout" in "qa": overrides/0/variant: the flag has no variant "new"',
      ]);
      expect(await ok('GET', '/projects/mirror/flags/local_only')).toBeDefined();

      const replaced = await ok('POST', '/projects/mirror/import', {
        document: {
          version: 1,
          flags: [{ flag_name: 'checkout', environments: { production: {}, qa: {} } }],
        },
        mode: 'replace',
      });
      expect(replaced.changes).toEqual(
        expect.arrayContaining([
          { type: 'flag', name: 'local_only', change: 'removed', fields: [] },
          { type: 'segment', name: 'vip', change: 'removed', fields: [] },
        ]),
      );
      expect((await ok('GET', '/projects/mirror/flags')).flags.map((f: { flag_name: string }) => f.flag_name)).toEqual([
        'checkout',
      ]);
      await problem('POST', '/projects/mirror/import', { document: { version: 2 } }, 400, /version/);
      await problem('POST', '/projects/nope/import', { document: { version: 1 } }, 404, /Project "nope"/);
    });

    it('deletes a project with everything in it once confirmed', async () => {
      await problem('DELETE', '/projects/mirror', undefined, 409, /\?confirm=mirror/);
      await ok('DELETE', '/projects/mirror?confirm=mirror');
      await problem('GET', '/projects/mirror', undefined, 404, /not found/);
      expect(
        Number(
          (
            await query(
              database(),
              "SELECT COUNT(*) AS n FROM flags f JOIN projects p ON p.id = f.project_id WHERE p.project_key = 'mirror'",
            )
          )[0].n,
        ),
      ).toBe(0);
      expect((await ok('GET', '/audit?project=mirror&limit=1')).entries[0]).toMatchObject({
        action: 'project.deleted',
        target: 'mirror',
      });
    });

    it('binds keys to a project and an evaluate key to one environment, and answers 404 outside them', async () => {
      const admin = (await ok('POST', '/api-keys', { name: 'root', scope: 'admin' })).secret;
      const as = (secret: string) => ({ authorization: `Bearer ${secret}` });
      const create = async (body: object) => {
        const res = await inject('POST', '/api-keys', body, as(admin));
        expect(res.statusCode, res.body).toBe(201);
        return res.json();
      };
      const books = await create({ name: 'books-admin', scope: 'admin', project: 'books' });
      expect(books).toMatchObject({ project: 'books', environment: null });
      const bookDev = await create({
        name: 'books-dev',
        scope: 'evaluate',
        project: 'books',
        environment: 'development',
      });
      expect(bookDev).toMatchObject({ project: 'books', environment: 'development' });
      const legacy = await create({ name: 'web', scope: 'evaluate' });
      expect(legacy).toMatchObject({ project: 'default', environment: 'production' });

      // The seed's endpoints answer for the key's environment.
      const seed = async (secret: string, url: string) => inject('GET', url, undefined, as(secret));
      expect((await seed(bookDev.secret, '/users/alice/flags/seeded')).json()).toMatchObject({
        enabled: true,
        variant: 'a',
      });
      expect((await seed(legacy.secret, '/users/alice/flags/seeded')).json()).toMatchObject({ variant: null });
      expect((await seed(bookDev.secret, '/users/alice/flags')).json().flags).toEqual({ seeded: true });
      expect(
        (await seed(bookDev.secret, '/projects/books/environments/development/users/alice/flags/seeded')).statusCode,
      ).toBe(200);
      for (const url of [
        '/projects/books/environments/production/users/alice/flags/seeded',
        '/projects/default/environments/production/users/alice/flags/seeded',
      ]) {
        expect((await seed(bookDev.secret, url)).statusCode, url).toBe(404);
      }
      const ofrep = await inject(
        'POST',
        '/ofrep/v1/evaluate/flags/seeded',
        { context: { targetingKey: 'alice' } },
        as(bookDev.secret),
      );
      expect(ofrep.json()).toMatchObject({ key: 'seeded', value: 'a' });

      // A project's admin key sees its project only; another's is "not found", never "forbidden".
      expect((await seed(books.secret, '/projects')).json().map((p: { key: string }) => p.key)).toEqual(['books']);
      expect((await seed(books.secret, '/projects/books/flags')).statusCode).toBe(200);
      for (const url of ['/projects/shop', '/projects/default/flags', '/projects/nope']) {
        const res = await seed(books.secret, url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().detail).toMatch(/^Project "\w+" not found$/);
      }
      // Its seed endpoints address its project's production.
      expect((await seed(books.secret, '/flags/seeded')).json()).toMatchObject({ status: false, tags: ['team:books'] });
      expect((await inject('POST', '/projects', { key: 'x', name: 'x' }, as(books.secret))).statusCode).toBe(403);
      const keys = (await seed(books.secret, '/api-keys')).json();
      expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['books-admin', 'books-dev']);
      expect(
        (await inject('POST', '/api-keys', { name: 'sneaky', scope: 'admin', project: 'default' }, as(books.secret)))
          .statusCode,
      ).toBe(400);
      expect((await inject('DELETE', `/api-keys/${legacy.id}`, undefined, as(books.secret))).statusCode).toBe(404);
      // An environment a key evaluates in is not deleted under it.
      await problem(
        'DELETE',
        '/projects/books/environments/development?confirm=development',
        undefined,
        401,
        /API key/,
      );
      const refused = await inject(
        'DELETE',
        '/projects/books/environments/development?confirm=development',
        undefined,
        as(admin),
      );
      expect(refused.statusCode).toBe(409);
      expect(refused.json().detail).toMatch(/"books-dev".*revoke them first/);
    });
  });
});
