import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

/**
 * Requests made at random from the service's own OpenAPI document, so routes added later are
 * covered too, with values picked to break things: none may get a 5xx, every error must be problem
 * details, every response must carry its request id. Then random flags (rules, segments, variants,
 * overrides, prerequisites) evaluated for many users: every evaluation endpoint must give the same
 * answer. The seed is fixed so that a failure repeats; RANDOM_REQUESTS_SEED tries another.
 */
const SEED = Number(process.env.RANDOM_REQUESTS_SEED ?? 20261207);
const REQUESTS = 2000;
const ADMIN_KEY = 'random-requests-admin-key-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/** mulberry32: small, fast and good enough to pick test inputs. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const chance = (p: number) => next() < p;
  const count = (max: number) => Math.floor(next() * (max + 1));
  return { pick, chance, count };
}

const NAMES = ['alpha', 'beta', 'flag_1', 'x.y-z', 'B2', 'seg_1'];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'a'.repeat(101),
  'a'.repeat(1001),
  '\u0000',
  'a\u0000b',
  '\ud800',
  'a\udc00b',
  '\u2028',
  '💥',
  '__proto__',
  'constructor',
  'toString',
  '../',
  '%',
  '%ZZ',
  'null',
  '1e309',
  '-1',
  'NaN',
  'true',
  '.*',
  '(a+)+$',
  '[',
  '2.0.0',
  'v1.2.3-beta',
];
const HOSTILE_NUMBERS = [0, -1, -0, 100, 100.001, 1e308, -1e308, 0.1 + 0.2, 33.333, 1e-7, 2 ** 53];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks arbitrary OpenAPI schemas
type JsonSchema = Record<string, any>;

/** Bodies that mostly follow the schema, with a hostile value in some places. */
function bodyGenerator(doc: JsonSchema, random: ReturnType<typeof randomSource>) {
  const { pick, chance, count } = random;
  const resolve = (schema: JsonSchema): JsonSchema =>
    schema.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()]) : schema;
  const hostile = (): unknown =>
    pick<() => unknown>([
      () => pick(HOSTILE_STRINGS),
      () => pick(HOSTILE_NUMBERS),
      () => chance(0.5),
      () => null,
      () => [],
      () => ({}),
      () => ({ [pick(HOSTILE_STRINGS)]: pick(NAMES) }),
    ])();
  const generate = (schemaOrRef: JsonSchema, depth: number): unknown => {
    const schema = resolve(schemaOrRef);
    if (depth > 6 || chance(0.03)) return hostile();
    if (schema.anyOf) return generate(pick(schema.anyOf), depth + 1);
    if (schema.enum) return pick(schema.enum);
    switch (schema.type) {
      case 'object': {
        const body: Record<string, unknown> = {};
        for (const [key, property] of Object.entries<JsonSchema>(schema.properties ?? {})) {
          if (chance(schema.required?.includes(key) ? 0.97 : 0.5)) body[key] = generate(property, depth + 1);
        }
        if (typeof schema.additionalProperties === 'object') {
          for (let i = count(2); i > 0; i--)
            body[pick([...NAMES, ...HOSTILE_STRINGS])] = generate(schema.additionalProperties, depth + 1);
        }
        if (chance(0.03)) body[pick(HOSTILE_STRINGS)] = hostile();
        return body;
      }
      case 'array':
        return Array.from({ length: chance(0.05) ? count(30) : count(3) }, () =>
          generate(schema.items ?? {}, depth + 1),
        );
      case 'string':
        if (schema.format === 'date-time')
          return pick([
            new Date(Date.now() + 3_600_000).toISOString(),
            '2020-01-01T00:00:00Z',
            '2026-02-30T00:00:00Z',
            'tomorrow',
          ]);
        return chance(0.6) ? pick(NAMES) : pick(HOSTILE_STRINGS);
      case 'number':
      case 'integer':
        return chance(0.7) ? pick([0, 12.5, 25, 33.33, 50, 100]) : pick(HOSTILE_NUMBERS);
      case 'boolean':
        return chance(0.5);
      default:
        return hostile();
    }
  };
  return (schema: JsonSchema) => generate(schema, 0);
}

describe.each(backends)('random requests on $name', (backend) => {
  const app = useTestApp(backend, {
    env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_EVALUATIONS: '0', RATE_LIMIT_WRITES: '0' },
    seed: async (app) => {
      for (const name of NAMES) {
        await app.inject({
          method: 'POST',
          url: '/segments',
          headers: auth,
          payload: { name, conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }] },
        });
        await app.inject({
          method: 'POST',
          url: '/flags',
          headers: auth,
          payload: { flag_name: name, status: true, rollout_percentage: 50 },
        });
      }
    },
  });

  describe.skipIf(!backend.available)('', () => {
    it(`answers ${REQUESTS} random requests without a 5xx, with problem details for every error`, async () => {
      const random = randomSource(SEED);
      const { pick, chance, count } = random;
      const doc = (await app().inject({ method: 'GET', url: '/docs/json' })).json();
      const generateBody = bodyGenerator(doc, random);
      // Event streams stay open until the client leaves, which inject() never does (test/api/streams.test.ts).
      const operations = Object.entries<JsonSchema>(doc.paths)
        .filter(([path]) => !path.endsWith('/stream') && !path.endsWith('/event-stream'))
        .flatMap(([path, item]) =>
          Object.entries<JsonSchema>(item).map(([method, operation]) => ({
            method: method.toUpperCase(),
            path,
            operation,
          })),
        );
      // encodeURIComponent throws on half a surrogate pair; a client would have sent U+FFFD.
      const encode = (text: string) => (chance(0.9) ? encodeURIComponent(text.replace(/\p{Cs}/gu, '\ufffd')) : text);
      const failures: string[] = [];
      const statuses = new Set<number>();

      for (let i = 0; i < REQUESTS; i++) {
        const { method, path, operation } = pick(operations);
        let url = path.replace(/\{(\w+)\}/g, (_match, parameter: string) =>
          encode(
            parameter === 'id' || parameter === 'schedule_id'
              ? pick(['00000000-0000-4000-8000-000000000000', 'not-a-uuid'])
              : chance(0.8)
                ? pick(NAMES)
                : pick(HOSTILE_STRINGS.filter(Boolean)),
          ),
        );
        if (chance(0.3))
          url += `?${Array.from({ length: 1 + count(2) }, () => `${encode(pick(['country', 'limit', 'cursor', 'flag_name', ...HOSTILE_STRINGS]))}=${encode(pick([...NAMES, ...HOSTILE_STRINGS]))}`).join('&')}`;
        const headers: Record<string, string> = chance(0.97) ? { ...auth } : {};
        if (chance(0.05)) headers['if-none-match'] = pick(['*', '"x"', 'W/"x", "y"']);
        if (chance(0.05)) headers['x-request-id'] = pick(['from-the-client', 'a'.repeat(200), '💥']);
        const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
        let payload: string | undefined;
        if (bodySchema || chance(0.05)) {
          headers['content-type'] = chance(0.95)
            ? 'application/json'
            : pick(['text/plain', 'application/merge-patch+json', 'application/x-www-form-urlencoded']);
          payload = chance(0.03)
            ? pick(['{', '', 'null', '[]', '"x"', '{"a":1}{'])
            : JSON.stringify(bodySchema ? generateBody(bodySchema) : {});
        }

        const res = await app().inject({ method, url, headers, payload });
        statuses.add(res.statusCode);
        const request = `${method} ${url} ${payload ?? ''}`.slice(0, 300);
        if (res.statusCode >= 500) failures.push(`${request} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (!res.headers['x-request-id']) failures.push(`${request} → no X-Request-Id`);
        // OFREP answers its own errors in the protocol's shape (test/api/ofrep.test.ts), at the root and under
        // /projects/{project}/environments/{environment}.
        if (res.statusCode >= 400 && !path.includes('/ofrep/')) {
          const isProblem =
            String(res.headers['content-type']).startsWith('application/problem+json') &&
            res.json().status === res.statusCode;
          if (!isProblem)
            failures.push(`${request} → ${res.statusCode} not problem details: ${res.body.slice(0, 200)}`);
        }
      }

      expect(failures).toEqual([]);
      // The inputs reached past validation as well as into it.
      expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 204, 400, 401, 404, 409, 415]));
    }, 60_000);

    it('gives the same answer through every evaluation endpoint, for random flags and users', async () => {
      const { pick, chance, count } = randomSource(SEED + 1);
      const condition = () => {
        const operator = pick([
          'equals',
          'not_equals',
          'in',
          'not_in',
          'contains',
          'starts_with',
          'ends_with',
          'lt',
          'gte',
          'semver_lt',
          'semver_gte',
          'matches',
          'exists',
          'not_exists',
        ]);
        const attribute = pick(['country', 'plan', 'app_version', 'age', 'missing']);
        if (operator === 'exists' || operator === 'not_exists') return { attribute, operator };
        if (operator === 'in' || operator === 'not_in') return { attribute, operator, value: ['DE', 'AT', 'pro'] };
        if (operator === 'lt' || operator === 'gte') return { attribute, operator, value: pick([18, 2.5]) };
        if (operator.startsWith('semver'))
          return { attribute, operator, value: pick(['1.0.0', '2.3.0', '2.0.0-beta']) };
        if (operator === 'matches') return { attribute, operator, value: pick(['^D', 'pro$', '\\d']) };
        return { attribute, operator, value: pick(['DE', 'pro', 'e']) };
      };
      const variantSets = [
        [],
        [
          { key: 'a', weight: 50 },
          { key: 'b', weight: 50, payload: { x: [1, null] } },
        ],
        [
          { key: 'a', weight: 33.33 },
          { key: 'b', weight: 33.33 },
          { key: 'c', weight: 33.34 },
        ],
      ];
      // Its own segments: the test above may have changed or deleted the seeded ones.
      const segments = ['in_de', 'qa_or_pro'];
      await app().inject({
        method: 'POST',
        url: '/segments',
        headers: auth,
        payload: { name: 'in_de', conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }] },
      });
      await app().inject({
        method: 'POST',
        url: '/segments',
        headers: auth,
        payload: { name: 'qa_or_pro', conditions: [condition()], user_ids: ['user-3'] },
      });
      const created: string[] = [];
      for (let i = 0; i < 30; i++) {
        const variants = pick(variantSets);
        const res = await app().inject({
          method: 'POST',
          url: '/flags',
          headers: auth,
          payload: {
            flag_name: `random_${i}`,
            status: chance(0.85),
            rollout_percentage: pick([0, 10, 33.33, 50, 99.99, 100]),
            variants,
            rules: Array.from({ length: count(2) }, () => ({
              ...(chance(0.4) ? { segment: pick(segments) } : {}),
              conditions: Array.from({ length: 1 + count(1) }, condition),
              rollout_percentage: pick([0, 50, 100]),
              ...(variants.length && chance(0.5)
                ? { variants: variants.map((v, j) => ({ key: v.key, weight: j === 0 ? 100 : 0 })) }
                : {}),
            })),
            overrides: chance(0.3) ? [{ user_id: 'user-1', enabled: chance(0.5) }] : [],
            prerequisites: created.length && chance(0.3) ? [{ flag: pick(created) }] : [],
          },
        });
        expect(res.statusCode, res.body).toBe(201);
        created.push(`random_${i}`);
      }
      const flagNames: string[] = (await app().inject({ method: 'GET', url: '/flags', headers: auth }))
        .json()
        .map((f: { flag_name: string }) => f.flag_name);

      const disagreements: string[] = [];
      for (let u = 0; u < 50; u++) {
        const user = `user-${u}`;
        // Strings only: the query string carries nothing else.
        const attributes: Record<string, string> = chance(0.8)
          ? {
              country: pick(['DE', 'AT', 'US']),
              plan: pick(['pro', 'free']),
              app_version: pick(['1.0.0', '2.3.0', 'x']),
              age: pick(['17', '18', 'old']),
            }
          : {};
        const query = Object.keys(attributes).length ? `?${new URLSearchParams(attributes)}` : '';
        const get = async (url: string) => (await app().inject({ method: 'GET', url, headers: auth })).json();
        const post = async (url: string, payload: object) =>
          (await app().inject({ method: 'POST', url, headers: auth, payload })).json();
        const all = await get(`/users/${user}/flags${query}`);
        const detailed = await post('/evaluate', { user_id: user, attributes });
        const ofrepBulk = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: user, ...attributes } });
        const ofrepByKey = Object.fromEntries(ofrepBulk.flags.map((f: { key: string }) => [f.key, f]));
        for (const name of flagNames) {
          const one = await get(`/users/${user}/flags/${name}${query}`);
          const posted = await post(`/evaluate/${name}`, { user_id: user, attributes });
          const expected = {
            enabled: one.enabled,
            variant: one.variant,
            ofrep: { value: one.variant ?? one.enabled, variant: one.variant ?? (one.enabled ? 'on' : 'off') },
          };
          const seen = {
            enabled: [posted.enabled, all.flags[name], detailed.flags[name].enabled],
            variant: [posted.variant, detailed.flags[name].variant],
            reason: posted.reason,
            ofrep: { value: ofrepByKey[name].value, variant: ofrepByKey[name].variant },
          };
          const agree =
            seen.enabled.every((e) => e === expected.enabled) &&
            seen.variant.every((v) => v === expected.variant) &&
            seen.reason === one.reason &&
            seen.ofrep.value === expected.ofrep.value &&
            seen.ofrep.variant === expected.ofrep.variant;
          if (!agree)
            disagreements.push(`${user} ${name} ${JSON.stringify(attributes)}: ${JSON.stringify({ one, seen })}`);
        }
      }
      expect(disagreements).toEqual([]);
    }, 60_000);
  });
});
