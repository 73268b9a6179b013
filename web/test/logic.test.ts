import { describe, expect, it } from 'vitest';
import { changes, show } from '../src/logic/diff.js';
import { conditionsComplete, move, OPERATORS, toCondition, valueText } from '../src/logic/conditions.js';
import { fieldErrors, fieldLabel } from '../src/logic/problems.js';
import { variantLabel, wordVerdict } from '../src/logic/results.js';
import { fromLocalInput } from '../src/logic/time.js';
import { addsUp, equalSplit, rebalance, total } from '../src/logic/weights.js';
import type { AuditEntry, Flag, Results } from '../src/api.js';
import { entrySentence, meaningfulChanges } from '../src/logic/history.js';
import { describeChange, draftOf, pendingChange } from '../src/logic/pending.js';

describe('weights', () => {
  it('rebalances the others in proportion so the total stays 100, to the hundredth', () => {
    expect(rebalance([50, 50], 0, 70)).toEqual([70, 30]);
    expect(rebalance([50, 30, 20], 0, 20)).toEqual([20, 48, 32]);
    expect(rebalance([100, 0, 0], 0, 40)).toEqual([40, 30, 30]);
    const odd = rebalance([33.33, 33.33, 33.34], 1, 10.01);
    expect(odd[1]).toBe(10.01);
    expect(addsUp(odd)).toBe(true);
    expect(rebalance([50, 50], 1, 150)).toEqual([0, 100]);
  });

  it('splits equally, the first ones taking the remainder, and adds without float drift', () => {
    expect(equalSplit(3)).toEqual([33.34, 33.33, 33.33]);
    expect(equalSplit(0)).toEqual([]);
    expect(total([0.1, 0.2, 99.7])).toBe(100);
    expect(addsUp([0.1, 0.2, 99.7])).toBe(true);
    expect(addsUp([50, 49.99])).toBe(false);
  });
});

describe('drafts worth a preview', () => {
  it('are complete when every condition has an attribute, and a value where the operator takes one', () => {
    expect(conditionsComplete([])).toBe(true);
    expect(conditionsComplete([{ attribute: '', operator: 'equals', value: '' }])).toBe(false);
    expect(conditionsComplete([{ attribute: 'plan', operator: 'equals', value: '' }])).toBe(false);
    expect(conditionsComplete([{ attribute: 'plan', operator: 'equals', value: 'pro' }])).toBe(true);
    expect(conditionsComplete([{ attribute: 'country', operator: 'in', value: [] }])).toBe(false);
    expect(conditionsComplete([{ attribute: 'email', operator: 'exists' }])).toBe(true);
  });
});

describe('conditions', () => {
  it('offers the 19 operators and types the value as each needs', () => {
    expect(OPERATORS).toHaveLength(19);
    expect(toCondition('age', 'gte', '18')).toEqual({ attribute: 'age', operator: 'gte', value: 18 });
    expect(toCondition('country', 'in', 'DE, FR,,')).toEqual({
      attribute: 'country',
      operator: 'in',
      value: ['DE', 'FR'],
    });
    expect(toCondition('email', 'exists', 'ignored')).toEqual({ attribute: 'email', operator: 'exists' });
    expect(toCondition('version', 'semver_gte', '2.1.0').value).toBe('2.1.0');
    // Not a number: sent as typed, so the API names the field instead of the dashboard guessing.
    expect(toCondition('age', 'lt', 'old').value).toBe('old');
    expect(valueText({ attribute: 'c', operator: 'in', value: ['a', 'b'] })).toBe('a, b');
  });

  it('moves a rule, and leaves the list alone for a move out of range', () => {
    expect(move(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(move(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
  });
});

describe('diffs, problems and times', () => {
  it('lists changed fields of an audit entry by path', () => {
    expect(
      changes(
        { status: false, rollout_percentage: 10, meta: { a: 1, b: 2 } },
        { status: true, rollout_percentage: 10, meta: { a: 1, b: 3 } },
      ),
    ).toEqual([
      { field: 'status', before: false, after: true },
      { field: 'meta.b', before: 2, after: 3 },
    ]);
    expect(changes(null, { flag_name: 'x' })).toEqual([{ field: 'flag_name', before: undefined, after: 'x' }]);
    expect(show(undefined)).toBe('—');
  });

  it("names each field a 400 refused by the API's pointer", () => {
    expect(
      fieldErrors({
        status: 400,
        title: 'Validation Error',
        detail: 'invalid',
        errors: [{ location: 'body', pointer: '#/rules/0/segment', detail: 'no segment named "x"' }],
      }),
    ).toEqual([{ field: 'rules/0/segment', label: 'Rule 1, segment', message: 'no segment named "x"' }]);
  });

  it('words a pointer as the page names the field, numbering from 1', () => {
    expect(fieldLabel('rules/0')).toBe('Rule 1');
    expect(fieldLabel('rules/0/conditions/1/attribute')).toBe('Rule 1, condition 2, attribute');
    expect(fieldLabel('rules/2/variants/0/key')).toBe('Rule 3, variant 1, key');
    expect(fieldLabel('rules/1/rollout_percentage')).toBe('Rule 2, percentage');
    expect(fieldLabel('overrides/0/user_id')).toBe('Override 1, user id');
    expect(fieldLabel('off_variant')).toBe('Off variant');
    expect(fieldLabel('flag_name')).toBe('Name');
  });

  it('turns a datetime-local value into the UTC instant', () => {
    const instant = fromLocalInput('2026-12-24T18:30')!;
    expect(new Date(instant).getHours()).toBe(18);
    expect(new Date(instant).getMinutes()).toBe(30);
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('tomorrow')).toBeUndefined();
  });
});

describe('the verdict in words', () => {
  it('words each state the service decides, naming the variant to pick', () => {
    const words = (state: Results['verdict']['state'], variant?: string) =>
      wordVerdict({ state, variant, reason: 'why' }, 'blue');
    expect(words('winner', 'green')).toEqual({ headline: 'green wins', tone: 'success', leader: 'green' });
    expect(words('loser', 'green')).toEqual({ headline: 'green loses: keep blue', tone: 'warning', leader: 'blue' });
    expect(words('no_difference')).toMatchObject({ headline: 'No difference found', leader: null });
    expect(words('srm')).toMatchObject({ headline: 'Do not trust these numbers', tone: 'problem', leader: null });
    expect(words('too_early')).toMatchObject({ headline: 'Too early to call', leader: null });
  });

  it('marks the control once: "blue (control)", and a variant named control as it is', () => {
    expect(variantLabel('blue', 'blue')).toBe('blue (control)');
    expect(variantLabel('control', 'control')).toBe('control');
    expect(variantLabel('green', 'blue')).toBe('green');
  });
});

describe('a pending change', () => {
  const flag = {
    flag_name: 'checkout',
    status: false,
    rollout_percentage: 10,
    variants: [
      { key: 'a', weight: 50 },
      { key: 'b', weight: 50 },
    ],
    rules: [{ segment: 'beta', conditions: [], rollout_percentage: 100, variants: [] }],
    overrides: [{ user_id: 'alice', enabled: true, variant: null }],
    prerequisites: [],
  } as unknown as Flag;

  it('holds only what differs from the saved flag, as one settings update', () => {
    const draft = draftOf(flag);
    expect(pendingChange(flag, draft)).toEqual({});
    expect(pendingChange(flag, { ...draft, status: true, weights: [30, 70] })).toEqual({
      status: true,
      variants: [
        { key: 'a', weight: 30 },
        { key: 'b', weight: 70 },
      ],
    });
  });

  it('says each change in words: status, percentage, weights, and list items added, removed or changed', () => {
    const change = pendingChange(flag, {
      ...draftOf(flag),
      status: true,
      rolloutPercentage: 20,
      weights: [30, 70],
      rules: [
        {
          segment: null,
          conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }],
          rollout_percentage: 20,
          variants: [],
        },
        { segment: null, conditions: [], rollout_percentage: 5, variants: [{ key: 'b', weight: 100 }] },
      ],
      overrides: [],
      prerequisites: [{ flag: 'login', variant: null }],
    });
    expect(describeChange(flag, change, 'Production')).toEqual([
      'Turn it on in Production',
      'Users who get it: 10% → 20%',
      'Variant weights: a 50% → 30%, b 50% → 70%',
      'Change rule 1: 100% of users in segment beta → 20% of users whose country is one of DE, FR',
      'Add rule 2: 5% of all users (b 100%)',
      'Remove override 1: alice always gets it on',
      'Add prerequisite 1: only while login is on',
    ]);
  });
});

describe('an audit entry as a sentence', () => {
  const entry = (action: string, before: object | null, after: object | null) =>
    ({
      id: 1,
      at: '2026-12-07T10:00:00Z',
      actor: { type: 'api_key', id: 'k', name: 'ADMIN_API_KEY' },
      action,
      target_type: 'flag',
      target: 'checkout',
      project: 'default',
      environment: action === 'flag.created' ? null : 'production',
      before,
      after,
    }) as unknown as AuditEntry;

  it('says who did what, and in a change what moved, leaving out what every write moves', () => {
    const changed = entry(
      'flag.updated',
      { status: false, rollout_percentage: 10, rules: [], updated_at: 'a', version: 1 },
      { status: true, rollout_percentage: 20, rules: [{}, {}], updated_at: 'b', version: 2 },
    );
    expect(entrySentence(changed)).toBe(
      'ADMIN_API_KEY changed flag checkout in production: turned it on, users who get it 10% → 20%, rules (0 → 2)',
    );
    expect(meaningfulChanges(changed).map((c) => c.field)).toEqual(['status', 'rollout_percentage', 'rules']);
    expect(entrySentence(entry('flag.created', null, { flag_name: 'checkout' }))).toBe(
      'ADMIN_API_KEY created flag checkout',
    );
  });
});
