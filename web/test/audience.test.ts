import { describe, expect, it } from 'vitest';
// The service's own evaluation, to hold the sentence to: the dashboard never imports it (it is a
// client of the REST API), its tests may.
import { decide } from '../../src/core/evaluation.js';
import type { Flag as CoreFlag } from '../../src/core/flags.js';
import { bucketBasisPoints } from '../../src/core/rollout.js';
import {
  type Attributes,
  type Condition as CoreCondition,
  inSegment,
  matchesAll,
  type SegmentDefinition,
} from '../../src/core/targeting.js';
import type { Condition, Rule } from '../src/api.js';
import { type Audience, type Clause, whoGetsIt } from '../src/logic/audience.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BETA: SegmentDefinition = {
  userIds: new Set(['u1', 'u2', 'u3']),
  conditions: [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
};
const GATE_ON_FOR = new Set(['u1', 'u4', 'u7', 'u10', 'u13']);

function randomAudience(next: () => number): Audience {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const percentage = () => pick([0, 100, 100, 25, 50, 12.5]);
  const conditions = (): Condition[] =>
    pick([
      [{ attribute: 'country', operator: 'in', value: pick([['DE'], ['DE', 'FR'], ['US', 'FR']]) }],
      [{ attribute: 'plan', operator: 'equals', value: 'pro' }],
      [
        { attribute: 'country', operator: 'not_in', value: ['US'] },
        { attribute: 'age', operator: 'gte', value: 18 },
      ],
    ]);
  const rule = (): Rule =>
    pick([
      { segment: 'beta', conditions: [], rollout_percentage: percentage(), variants: [] },
      { segment: null, conditions: conditions(), rollout_percentage: percentage(), variants: [] },
      { segment: 'beta', conditions: conditions(), rollout_percentage: percentage(), variants: [] },
      { segment: null, conditions: [], rollout_percentage: percentage(), variants: [] },
    ]);
  const overrides = Array.from({ length: Math.floor(next() * 3) }, (_, i) => ({
    user_id: `u${i * 3 + Math.floor(next() * 3)}`,
    enabled: next() < 0.5,
    variant: null,
  }));
  return {
    status: next() < 0.85,
    rollout_percentage: percentage(),
    rules: Array.from({ length: Math.floor(next() * 4) }, rule),
    overrides: overrides.filter((o, i) => overrides.findIndex((p) => p.user_id === o.user_id) === i),
    prerequisites: next() < 0.25 ? [{ flag: 'gate', variant: null }] : [],
  };
}

const toCore = (audience: Audience): CoreFlag =>
  ({
    name: 'sentence',
    status: audience.status,
    rolloutBasisPoints: Math.round(audience.rollout_percentage * 100),
    variants: [],
    offVariant: null,
    rules: audience.rules.map((r) => ({
      segment: r.segment,
      conditions: r.conditions,
      rolloutBasisPoints: Math.round(r.rollout_percentage * 100),
      variants: [],
    })),
    overrides: audience.overrides.map((o) => ({ userId: o.user_id, enabled: o.enabled, variant: o.variant })),
    prerequisites: audience.prerequisites.map((p) => ({ flag: p.flag, variant: p.variant ?? null })),
  }) as unknown as CoreFlag;

/** The gate the prerequisites name: on for a fixed set of users, by an override each. */
const gate = {
  ...toCore({ status: true, rollout_percentage: 0, rules: [], overrides: [], prerequisites: [] }),
  name: 'gate',
  overrides: [...GATE_ON_FOR].map((userId) => ({ userId, enabled: true, variant: null })),
} as CoreFlag;
const lookups = { segment: (name: string) => (name === 'beta' ? BETA : undefined), flag: () => gate };

/** What the sentence's parts say for a user: the first part that holds decides, by its percentage. */
function saidFor(clauses: Clause[], userId: string, attributes: Attributes): boolean {
  const holds = (clause: Clause) => {
    if (clause.who === 'users') return clause.userIds.includes(userId);
    if (clause.who === 'everyone else') return true;
    const { segment, conditions } = clause.rule;
    return (
      (segment === null || inSegment(BETA, userId, attributes)) && matchesAll(conditions as CoreCondition[], attributes)
    );
  };
  const deciding = clauses.find(holds);
  if (!deciding) throw new Error(`no part of the sentence holds for ${userId}`);
  return bucketBasisPoints(userId, 'sentence') < deciding.percentage * 100;
}

describe('the sentence that says who gets a flag', () => {
  it('words the parts in evaluation order, and leaves out rules no user reaches', () => {
    const rule = (segment: string | null, conditions: Condition[], rollout_percentage: number): Rule => ({
      segment,
      conditions,
      rollout_percentage,
      variants: [],
    });
    const country = [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }];
    expect(
      whoGetsIt(
        {
          status: true,
          rollout_percentage: 0,
          rules: [rule(null, country, 20), rule('beta', [], 100)],
          overrides: [],
          prerequisites: [],
        },
        'Production',
      ).sentence,
    ).toBe('On for 20% of users whose country is one of DE, FR; on for users in segment beta; off for everyone else.');
    expect(
      whoGetsIt(
        {
          status: true,
          rollout_percentage: 100,
          rules: [rule(null, [], 50), rule('beta', [], 100)],
          overrides: [{ user_id: 'alice', enabled: false, variant: null }],
          prerequisites: [{ flag: 'login', variant: null }],
        },
        'Production',
      ).sentence,
    ).toBe('Only while login is on: always off for alice; on for 50% of everyone else.');
    expect(
      whoGetsIt({ status: false, rollout_percentage: 100, rules: [], overrides: [], prerequisites: [] }, 'Production')
        .sentence,
    ).toBe('Off for everyone in Production.');
    expect(
      whoGetsIt({ status: true, rollout_percentage: 100, rules: [], overrides: [], prerequisites: [] }, 'Staging')
        .sentence,
    ).toBe('On for everyone.');
  });

  it("agrees with the service's evaluation for 300 random flags and 200 users each", () => {
    const next = random(20261207);
    const countries = ['DE', 'FR', 'US', undefined];
    for (let flagIndex = 0; flagIndex < 300; flagIndex++) {
      const audience = randomAudience(next);
      const { clauses, requires } = whoGetsIt(audience, 'Production');
      const flag = toCore(audience);
      for (let u = 0; u < 200; u++) {
        const userId = `u${u}`;
        const attributes: Attributes = {
          ...(countries[u % 4] && { country: countries[u % 4] }),
          plan: u % 3 === 0 ? 'pro' : 'free',
          age: 10 + (u % 20),
        };
        const gated = audience.prerequisites.length > 0 && !GATE_ON_FOR.has(userId);
        const said = clauses !== null && !gated && saidFor(clauses, userId, attributes);
        const evaluated = decide(flag, userId, attributes, lookups).enabled;
        expect(said, `flag ${flagIndex} ${JSON.stringify(audience)}, user ${userId}`).toBe(evaluated);
      }
      expect(requires).toEqual(audience.prerequisites.map((p) => `${p.flag} is on`));
    }
  });
});
