import { describe, expect, it } from 'vitest';
import {
  type Attributes,
  type Condition,
  inSegment,
  matchesCondition,
  type Operator,
  unsafeRegexReason,
} from '../../src/core/targeting.js';

const attributes: Attributes = {
  country: 'DE',
  plan: 'pro',
  age: 42,
  age_text: '42',
  beta: true,
  email: 'alice@example.com',
  tags: ['early', 'staff'],
  app_version: '2.10.0',
  pre: '2.10.0-rc.1',
  long_text: 'a'.repeat(2000),
  device: { os: 'ios', model: { year: 2024 }, nothing: null },
  'app.channel': 'beta',
  scores: [3, 1.5],
  mixed: ['x', { y: 1 }, 7],
  empty: null,
};

type Case = [Operator, string, Condition['value'], boolean];

// Flipt-style table: every operator, matching and not, on the right and on the wrong types.
const cases: Case[] = [
  ['equals', 'country', 'DE', true],
  ['equals', 'country', 'FR', false],
  ['equals', 'age', 42, true],
  ['equals', 'age_text', 42, true],
  ['equals', 'age', '42', true],
  ['equals', 'beta', true, true],
  ['equals', 'beta', 'true', true],
  ['equals', 'tags', 'early', false],
  ['equals', 'missing', 'x', false],
  ['not_equals', 'country', 'FR', true],
  ['not_equals', 'country', 'DE', false],
  ['not_equals', 'missing', 'x', false],
  ['in', 'country', ['DE', 'AT'], true],
  ['in', 'country', ['FR'], false],
  ['in', 'tags', ['staff', 'x'], true],
  ['in', 'age', ['42'], true],
  ['in', 'country', 'DE', false],
  ['not_in', 'country', ['FR', 'IT'], true],
  ['not_in', 'country', ['DE'], false],
  ['not_in', 'tags', ['staff'], false],
  ['contains', 'email', '@example.', true],
  ['contains', 'email', '@other.', false],
  ['contains', 'tags', 'staff', true],
  ['contains', 'tags', 'sta', false],
  ['contains', 'age', '4', false],
  ['starts_with', 'email', 'alice@', true],
  ['starts_with', 'email', 'bob@', false],
  ['starts_with', 'age', '4', false],
  ['ends_with', 'email', '.com', true],
  ['ends_with', 'email', '.org', false],
  ['ends_with', 'tags', 'staff', false],
  ['lt', 'age', 50, true],
  ['lt', 'age', 42, false],
  ['lte', 'age', 42, true],
  ['gt', 'age_text', 40, true],
  ['gt', 'age', '41.5', true],
  ['gte', 'age', 43, false],
  ['gt', 'country', 1, false],
  ['lt', 'age', 'abc', false],
  ['gt', 'tags', 0, false],
  ['semver_eq', 'app_version', '2.10.0', true],
  ['semver_eq', 'app_version', 'v2.10.0', true],
  ['semver_gt', 'app_version', '2.9.9', true],
  ['semver_lt', 'app_version', '2.9.9', false],
  ['semver_lt', 'pre', '2.10.0', true],
  ['semver_gt', 'pre', '2.10.0-beta.9', true],
  ['semver_gte', 'pre', '2.10.0-rc.1', true],
  ['semver_lte', 'app_version', '10.0.0', true],
  ['semver_gt', 'country', '1.0.0', false],
  ['semver_gt', 'app_version', 'latest', false],
  ['matches', 'email', '^[a-z]+@example\\.com$', true],
  ['matches', 'email', '^bob', false],
  ['matches', 'age', '4', false],
  ['matches', 'long_text', 'a', false],
  ['matches', 'email', '(a+)+$', false],
  ['exists', 'plan', undefined, true],
  ['exists', 'missing', undefined, false],
  ['not_exists', 'missing', undefined, true],
  ['not_exists', 'plan', undefined, false],
  // Nested attributes by dotted path; a key that holds the dots itself comes first.
  ['equals', 'device.os', 'ios', true],
  ['equals', 'device.os', 'android', false],
  ['gte', 'device.model.year', 2020, true],
  ['equals', 'app.channel', 'beta', true],
  ['exists', 'device.model', undefined, true],
  ['exists', 'device.missing', undefined, false],
  ['exists', 'device.os.deeper', undefined, false],
  ['exists', 'device.nothing', undefined, false],
  ['exists', 'empty', undefined, false],
  // Values of a type the operator does not handle do not match, whichever way round.
  ['equals', 'device', 'ios', false],
  ['not_equals', 'device', 'ios', false],
  ['in', 'device', ['ios'], false],
  ['not_in', 'device', ['ios'], false],
  ['starts_with', 'device', 'i', false],
  ['gt', 'device', 1, false],
  ['semver_gt', 'device', '1.0.0', false],
  ['matches', 'device', '.', false],
  // Lists of numbers and mixed lists: their scalar items count.
  ['in', 'scores', ['3'], true],
  ['in', 'scores', ['2'], false],
  ['contains', 'mixed', 'x', true],
  ['in', 'mixed', ['7'], true],
];

describe('matchesCondition', () => {
  it.each(cases)('%s %s %j → %s', (operator, attribute, value, expected) => {
    expect(matchesCondition({ attribute, operator, value }, attributes)).toBe(expected);
  });
});

describe('unsafeRegexReason', () => {
  it.each(['^a+$', '^[a-z]+@example\\.com$', '(ab)?c', '^(foo|bar)$', '[(+*)]+', '(a+)+$', '.*.*.*=', 'a*a*a*b'])(
    'accepts %s: RE2 runs any of them in linear time',
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toBeUndefined();
    },
  );
  it.each([
    ['(a)\\1', /RE2 accepts/],
    ['(?=a)b', /RE2 accepts/],
    ['(', /RE2 accepts/],
    ['a'.repeat(201), /at most 200/],
  ])('refuses %s', (pattern, reason) => {
    expect(unsafeRegexReason(pattern)).toMatch(reason);
  });
});

describe('matches, on patterns that backtrack without end in JavaScript', () => {
  // Attributes up to 1,000 characters are matched (longer ones never match); 900 of them here.
  const long = (c: string) => c.repeat(900);
  it.each([
    ['.*.*.*=', `${long('a')}!`, `${long('a')}=`],
    ['a*a*a*b', `${long('a')}!`, `${long('a')}b`],
    ['(a+)+$', `${long('a')}!`, long('a')],
    ['(x+x+)+y', `${long('x')}!`, `${long('x')}y`],
    ['.*@.*\\.example\\.com$', `${long('a')}@b.example.org`, `${long('a')}@mail.example.com`],
  ])('%s against 900 characters answers, and rightly', (pattern, failing, matching) => {
    const condition = { attribute: 'v', operator: 'matches' as const, value: pattern };
    const started = process.hrtime.bigint();
    expect(matchesCondition(condition, { v: failing })).toBe(false);
    expect(matchesCondition(condition, { v: matching })).toBe(true);
    // Not a timing target (bench/ has those): JavaScript's engine takes minutes on these, RE2 milliseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(5);
  });
});

describe('inSegment', () => {
  const segment = {
    userIds: new Set(['vip-1']),
    conditions: [{ attribute: 'country', operator: 'equals' as const, value: 'DE' }],
  };
  it('holds the listed users, then whoever meets every condition', () => {
    expect(inSegment(segment, 'vip-1', {})).toBe(true);
    expect(inSegment(segment, 'someone', { country: 'DE' })).toBe(true);
    expect(inSegment(segment, 'someone', { country: 'FR' })).toBe(false);
    expect(inSegment({ userIds: new Set(), conditions: [] }, 'someone', { country: 'DE' })).toBe(false);
  });
});
