import { describe, expect, it } from 'vitest';
import { decide, decideForAnyone, isOn, type Lookups } from '../../src/core/evaluation.js';
import type { Attributes } from '../../src/core/targeting.js';
import { flag } from '../support/flags.js';

const base = flag('base', { rolloutBasisPoints: 5000 });
const variants = [
  { key: 'a', weightBasisPoints: 5000, payload: null },
  { key: 'b', weightBasisPoints: 5000, payload: { colour: 'blue' } },
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
