import { OPERATORS, type Operator } from '../../../src/core/targeting.js';

/** One condition per operator, on the attributes randomContext() makes. */
export const CONDITION_OF: Record<Operator, { attribute: string; operator: Operator; value?: unknown }> = {
  equals: { attribute: 'plan', operator: 'equals', value: 'pro' },
  not_equals: { attribute: 'plan', operator: 'not_equals', value: 'free' },
  in: { attribute: 'country', operator: 'in', value: ['DE', 'FR'] },
  not_in: { attribute: 'country', operator: 'not_in', value: ['US'] },
  contains: { attribute: 'email', operator: 'contains', value: '@acme' },
  starts_with: { attribute: 'email', operator: 'starts_with', value: 'admin' },
  ends_with: { attribute: 'email', operator: 'ends_with', value: '.org' },
  lt: { attribute: 'age', operator: 'lt', value: 18 },
  lte: { attribute: 'age', operator: 'lte', value: 30 },
  gt: { attribute: 'age', operator: 'gt', value: 65 },
  gte: { attribute: 'score', operator: 'gte', value: 50.5 },
  semver_eq: { attribute: 'version', operator: 'semver_eq', value: '2.0.0' },
  semver_lt: { attribute: 'version', operator: 'semver_lt', value: '1.5.0' },
  semver_lte: { attribute: 'version', operator: 'semver_lte', value: '1.5.0' },
  semver_gt: { attribute: 'version', operator: 'semver_gt', value: '2.0.0' },
  semver_gte: { attribute: 'version', operator: 'semver_gte', value: '2.0.0' },
  matches: { attribute: 'email', operator: 'matches', value: '^[a-m][a-z]*@example\\.com$' },
  exists: { attribute: 'beta_opt_in', operator: 'exists' },
  not_exists: { attribute: 'legacy', operator: 'not_exists' },
};

const HOUR_MS = 3_600_000;

/**
 * Flags with every feature evaluation has: a rule for each operator, segments by list and by
 * condition, nested attributes, overrides, prerequisites (on a variant too), variants with rule
 * splits, typed values with and without off variants, static and disabled flags, and scheduled
 * changes: those at +1 h are due once the clock has moved 2 h, those at +10 h are not.
 */
export function everyFeature(now: number) {
  const variants = (...keys: string[]) =>
    keys.map((key, i) => ({ key, weight: i === 0 ? 100 - 20 * (keys.length - 1) : 20, payload: { arm: key } }));
  const flags: Record<string, unknown>[] = [
    ...OPERATORS.map((operator, i) => ({
      flag_name: `op_${operator}`,
      status: true,
      rollout_percentage: i % 3 === 0 ? 10 : 0,
      rules: [{ conditions: [CONDITION_OF[operator]], rollout_percentage: i % 2 === 0 ? 100 : 70 }],
    })),
    {
      flag_name: 'nested_device',
      status: true,
      rollout_percentage: 0,
      rules: [{ conditions: [{ attribute: 'device.os', operator: 'equals', value: 'ios' }] }],
    },
    { flag_name: 'segment_list', status: true, rollout_percentage: 10, rules: [{ segment: 'beta' }] },
    {
      flag_name: 'segment_split',
      status: true,
      rollout_percentage: 50,
      variants: variants('a', 'b', 'c'),
      rules: [
        {
          segment: 'eu',
          conditions: [{ attribute: 'plan', operator: 'in', value: ['pro', 'team'] }],
          rollout_percentage: 80,
          variants: [
            { key: 'a', weight: 60 },
            { key: 'b', weight: 40 },
            { key: 'c', weight: 0 },
          ],
        },
        { segment: 'eu', rollout_percentage: 30 },
      ],
    },
    {
      flag_name: 'overridden',
      status: true,
      rollout_percentage: 30,
      variants: variants('a', 'b'),
      overrides: [
        { user_id: 'u1', enabled: false },
        { user_id: 'u2', enabled: true },
        { user_id: 'u3', enabled: true, variant: 'b' },
      ],
    },
    { flag_name: 'parent', status: true, rollout_percentage: 60, variants: variants('x', 'y') },
    { flag_name: 'child', status: true, rollout_percentage: 100, prerequisites: [{ flag: 'parent', variant: 'x' }] },
    {
      flag_name: 'grandchild',
      status: true,
      rollout_percentage: 50,
      prerequisites: [{ flag: 'child' }],
      rules: [{ conditions: [CONDITION_OF.exists] }],
    },
    { flag_name: 'bool_variants', status: true, rollout_percentage: 75, variants: variants('left', 'right') },
    {
      flag_name: 'colour',
      status: true,
      rollout_percentage: 70,
      value_type: 'string',
      variants: [
        { key: 'red', weight: 50, value: '#f00', payload: { label: 'Red' } },
        { key: 'blue', weight: 50, value: '#00f' },
      ],
      off_variant: 'blue',
    },
    {
      flag_name: 'limit',
      status: true,
      rollout_percentage: 60,
      value_type: 'number',
      variants: [
        { key: 'low', weight: 34, value: 10 },
        { key: 'mid', weight: 33, value: 20.5 },
        { key: 'high', weight: 33, value: 30 },
      ],
    },
    {
      flag_name: 'layout',
      status: true,
      rollout_percentage: 40,
      value_type: 'object',
      variants: [
        { key: 'grid', weight: 50, value: { columns: 3, dense: true } },
        { key: 'list', weight: 50, value: { columns: 1, items: ['a', 'b'] } },
      ],
      rules: [
        {
          conditions: [CONDITION_OF.equals],
          variants: [
            { key: 'grid', weight: 100 },
            { key: 'list', weight: 0 },
          ],
        },
      ],
    },
    {
      flag_name: 'off_typed',
      status: false,
      value_type: 'string',
      variants: [
        { key: 'on', weight: 100, value: 'enabled' },
        { key: 'fallback', weight: 0, value: 'disabled' },
      ],
      off_variant: 'fallback',
    },
    { flag_name: 'disabled', status: false, rollout_percentage: 100 },
    { flag_name: 'static_on', status: true, rollout_percentage: 100 },
    { flag_name: 'static_off', status: true, rollout_percentage: 0 },
    { flag_name: 'fractional', status: true, rollout_percentage: 33.33 },
    { flag_name: 'due_launch', status: false, rollout_percentage: 100 },
    { flag_name: 'due_ramp', status: true, rollout_percentage: 10 },
    { flag_name: 'later_launch', status: false, rollout_percentage: 100 },
  ];
  return {
    segments: [
      { name: 'beta', user_ids: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10'], conditions: [] },
      { name: 'eu', conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR', 'IT'] }] },
    ],
    flags,
    schedules: [
      { flag: 'due_launch', at: new Date(now + HOUR_MS).toISOString(), set: { status: true, rollout_percentage: 50 } },
      { flag: 'due_ramp', at: new Date(now + HOUR_MS).toISOString(), set: { rollout_percentage: 90 } },
      { flag: 'later_launch', at: new Date(now + 10 * HOUR_MS).toISOString(), set: { status: true } },
    ],
  };
}

/** A deterministic pseudo-random source (mulberry32), so a failing case can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An OpenFeature context: a user (sometimes none) and attributes each rule looks at, each sometimes missing. */
export function randomContext(next: () => number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const maybe = (value: unknown) => (next() < 0.8 ? value : undefined);
  const context: Record<string, unknown> = {
    targetingKey: next() < 0.03 ? undefined : `u${Math.floor(next() * 1000)}`,
    plan: maybe(pick(['free', 'pro', 'team', 'enterprise'])),
    country: maybe(pick(['DE', 'FR', 'IT', 'US', 'GB', 'JP'])),
    email: maybe(pick(['admin@acme.com', 'bob@example.com', 'zoe@example.com', 'kim@school.org', 'x@acme.io'])),
    age: maybe(pick([12, 17, 18, 30, 31, 64, 66, 90])),
    score: maybe(pick([0, 50, 50.5, 99.9])),
    version: maybe(pick(['1.0.0', '1.5.0', '2.0.0', '2.1.0', '10.0.0', 'not-a-version'])),
    device: maybe({ os: pick(['ios', 'android']) }),
    beta_opt_in: maybe(pick([true, false, 'yes'])),
    legacy: next() < 0.3 ? true : undefined,
  };
  for (const key of Object.keys(context)) if (context[key] === undefined) delete context[key];
  return context;
}
