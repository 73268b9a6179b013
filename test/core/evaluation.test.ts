import { describe, expect, it } from 'vitest';
import { decide, decideForAnyone, isOn, type Lookups } from '../../src/core/evaluation.js';
import type { Attributes } from '../../src/core/targeting.js';
import { flag } from '../support/flags.js';

const base = flag('base', { rolloutBasisPoints: 5000 });
const variants = [
  { key: 'a', weightBasisPoints: 5000, payload: null, value: null },
  { key: 'b', weightBasisPoints: 5000, payload: { colour: 'blue' }, value: null },
];
const flags = [
  base,
  flag('off', { status: false }),
  flag('zero', { rolloutBasisPoints: 0 }),
  flag('everyone', {}),
  flag('quarter', { rolloutBasisPoints: 2500 }),
  flag('split', { variants }),
  flag('targeted', {
    rolloutBasisPoints: 0,
    rules: [
      {
        segment: null,
        conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
        rolloutBasisPoints: 10_000,
        variants: [],
      },
    ],
  }),
  flag('overridden', { rolloutBasisPoints: 0, overrides: [{ userId: 'user-3', enabled: true, variant: null }] }),
  flag('requires_base', { prerequisites: [{ flag: 'base', variant: null }] }),
];
const lookups: Lookups = { segment: () => undefined, flag: (name) => flags.find((f) => f.name === name) };
const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
const contexts: Attributes[] = [{}, { plan: 'pro' }, { plan: 'free' }];

describe('isOn', () => {
  it.each(flags.map((f) => [f.name, f] as const))('answers what decide() answers (%s)', (_name, f) => {
    for (const user of users) {
      for (const attributes of contexts) {
        expect(isOn(f, user, attributes, lookups), user).toBe(decide(f, user, attributes, lookups).enabled);
      }
    }
  });
});

describe('decideForAnyone', () => {
  it('answers, for a flag that is the same for everyone, what decide() answers for every user', () => {
    const answered = flags.filter((f) => decideForAnyone(f) !== undefined).map((f) => f.name);
    expect(answered).toEqual(['off', 'zero', 'everyone']);
    for (const f of flags) {
      const forAnyone = decideForAnyone(f);
      if (!forAnyone) continue;
      for (const user of users) expect(decide(f, user, {}, lookups).enabled).toBe(forAnyone.enabled);
    }
    expect(decideForAnyone(flags[1])).toEqual({ enabled: false, reason: 'FLAG_DISABLED' });
    expect(decideForAnyone(flags[3])).toEqual({ enabled: true, reason: 'STATIC' });
  });

  it('leaves a flag whose answer depends on the user to decide()', () => {
    for (const name of ['base', 'quarter', 'split', 'targeted', 'overridden', 'requires_base']) {
      expect(decideForAnyone(flags.find((f) => f.name === name)!), name).toBeUndefined();
    }
  });
});

describe('prerequisite graphs', () => {
  // 10 layers of 5 flags, each requiring every flag of the next layer: 5^9 paths from the top.
  const layers = Array.from({ length: 10 }, (_, n) => Array.from({ length: 5 }, (_, i) => `l${n}_${i}`));
  const flags = new Map(
    layers.flatMap((names, n) =>
      names.map((name) => [
        name,
        flag(name, { prerequisites: (layers[n + 1] ?? []).map((f) => ({ flag: f, variant: null })) }),
      ]),
    ),
  );
  const counting = () => {
    const looked = { count: 0 };
    const lookups: Lookups = { segment: () => undefined, flag: (name) => (looked.count++, flags.get(name)) };
    return { looked, lookups };
  };

  it('looks each prerequisite up once per edge, not once per path', () => {
    const { looked, lookups } = counting();
    expect(decide(flags.get('l0_0')!, 'u1', {}, lookups)).toMatchObject({ enabled: true, reason: 'IN_ROLLOUT' });
    // 9 layers of edges below the top flag: 5 from it, then 25 between each pair of layers.
    expect(looked.count).toBe(5 + 8 * 25);
  });

  it('shares one memo across the flags of one evaluation', () => {
    const { looked, lookups } = counting();
    const memo = new Map();
    for (const name of layers.flat()) expect(decide(flags.get(name)!, 'u1', {}, lookups, memo).enabled).toBe(true);
    // Each of the 45 flags above the bottom layer looks its 5 prerequisites up once.
    expect(looked.count).toBe(45 * 5);
  });
});
