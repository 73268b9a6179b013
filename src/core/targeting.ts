/**
 * Targeting: which users a rule or segment selects, from the attributes of the evaluation context.
 * Pure: no I/O. Every operator answers "no match" for a missing attribute or a value of a type it
 * does not handle (never an error), so a bad context can only fail to match, never break an evaluation.
 */
import { compare as compareSemVer, parse as semverParse, type SemVer } from 'semver';
import { RE2JS } from 're2js';
import type { JsonValue } from './json.js';

/** Any JSON: OpenFeature contexts carry objects and lists (`{"device": {"os": "ios"}}`). */
export type AttributeValue = JsonValue;
export type Attributes = Readonly<Record<string, AttributeValue>>;

export const OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'lt',
  'lte',
  'gt',
  'gte',
  'semver_eq',
  'semver_lt',
  'semver_lte',
  'semver_gt',
  'semver_gte',
  'matches',
  'exists',
  'not_exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  readonly attribute: string;
  readonly operator: Operator;
  /** A string, number or boolean; a list of strings for in / not_in; none for exists / not_exists. */
  readonly value?: string | number | boolean | readonly string[];
}

/** Regular expressions run on at most this many characters of the attribute. */
const MAX_REGEX_INPUT_LENGTH = 1000;
const MAX_REGEX_PATTERN_LENGTH = 200;

const scalar = (value: AttributeValue): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

const isObject = (value: AttributeValue | undefined): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The attribute a condition names: the key itself when the context has it ("device.os" as one key),
 * else a dotted path through nested objects ("device.os" → context.device.os). JSON null counts as
 * absent, as OpenFeature providers treat a null context field.
 */
export function attributeAt(attributes: Attributes, path: string): AttributeValue | undefined {
  let value: AttributeValue | undefined = Object.hasOwn(attributes, path) ? attributes[path] : undefined;
  if (value === undefined && path.includes('.')) {
    value = attributes as { [key: string]: JsonValue };
    for (const key of path.split('.')) {
      if (!isObject(value) || !Object.hasOwn(value, key)) return undefined;
      value = value[key];
    }
  }
  return value === null ? undefined : value;
}

/** A list's scalar items as strings (objects and nested lists in it match nothing). */
const listItems = (values: readonly JsonValue[]): string[] =>
  values.flatMap((v) => (scalar(v) === undefined ? [] : [scalar(v)!]));

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** A version string as Semantic Versioning 2.0.0 reads it, a leading "v" allowed; undefined otherwise. */
const parseSemVer = (value: unknown): SemVer | undefined =>
  typeof value === 'string' ? (semverParse(value) ?? undefined) : undefined;

/**
 * Why a pattern is refused, or undefined when it can be run: at most MAX_REGEX_PATTERN_LENGTH
 * characters, in RE2's syntax (no backreferences or lookaround, which need backtracking).
 */
export function unsafeRegexReason(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_PATTERN_LENGTH)
    return `a pattern may have at most ${MAX_REGEX_PATTERN_LENGTH} characters`;
  try {
    RE2JS.compile(pattern);
  } catch (error) {
    return `not a regular expression RE2 accepts: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * `matches` runs on RE2JS, a linear-time engine: no pattern, however it is written, can take more
 * than time proportional to the attribute's length (JavaScript's backtracking engine froze the
 * process for 25 s on ".*.*.*=" against 800 characters). Pure JavaScript, so no native build.
 */
const compiledPatterns = new Map<string, RE2JS | null>();

function regexFor(pattern: string): RE2JS | null {
  let regex = compiledPatterns.get(pattern);
  if (regex === undefined) {
    // Patterns are checked when a rule or segment is saved; this guards anything stored otherwise.
    regex = unsafeRegexReason(pattern) === undefined ? RE2JS.compile(pattern) : null;
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}

export function matchesCondition(condition: Condition, attributes: Attributes): boolean {
  const actual = attributeAt(attributes, condition.attribute);
  const expected = condition.value;
  if (condition.operator === 'exists') return actual !== undefined;
  if (condition.operator === 'not_exists') return actual === undefined;
  if (actual === undefined) return false;

  switch (condition.operator) {
    case 'equals':
    case 'not_equals': {
      const a = scalar(actual);
      if (a === undefined || expected === undefined || Array.isArray(expected)) return false;
      const equal =
        numeric(a) !== undefined && numeric(expected) !== undefined
          ? numeric(a) === numeric(expected)
          : a === String(expected);
      return condition.operator === 'equals' ? equal : !equal;
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(expected)) return false;
      const one = scalar(actual);
      if (!Array.isArray(actual) && one === undefined) return false;
      const values = Array.isArray(actual) ? listItems(actual) : [one!];
      const anyIn = values.some((v) => expected.includes(v));
      return condition.operator === 'in' ? anyIn : !anyIn;
    }
    case 'contains':
      if (typeof expected !== 'string') return false;
      return Array.isArray(actual)
        ? listItems(actual).includes(expected)
        : typeof actual === 'string' && actual.includes(expected);
    case 'starts_with':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'ends_with':
      return typeof actual === 'string' && typeof expected === 'string' && actual.endsWith(expected);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const [a, b] = [numeric(actual), numeric(expected)];
      if (a === undefined || b === undefined) return false;
      return condition.operator === 'lt'
        ? a < b
        : condition.operator === 'lte'
          ? a <= b
          : condition.operator === 'gt'
            ? a > b
            : a >= b;
    }
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_lte':
    case 'semver_gt':
    case 'semver_gte': {
      const [a, b] = [parseSemVer(actual), parseSemVer(expected)];
      if (!a || !b) return false;
      const order = compareSemVer(a, b);
      const op = condition.operator;
      return op === 'semver_eq'
        ? order === 0
        : op === 'semver_lt'
          ? order < 0
          : op === 'semver_lte'
            ? order <= 0
            : op === 'semver_gt'
              ? order > 0
              : order >= 0;
    }
    case 'matches': {
      if (typeof actual !== 'string' || typeof expected !== 'string' || actual.length > MAX_REGEX_INPUT_LENGTH)
        return false;
      return regexFor(expected)?.test(actual) ?? false;
    }
  }
}

/** All conditions hold (an empty list holds for everyone). */
export function matchesAll(conditions: readonly Condition[], attributes: Attributes): boolean {
  for (const condition of conditions) if (!matchesCondition(condition, attributes)) return false;
  return true;
}

export interface SegmentDefinition {
  readonly userIds: ReadonlySet<string>;
  readonly conditions: readonly Condition[];
}

/** Listed users are in; otherwise the conditions decide, and a segment without conditions holds nobody else. */
export function inSegment(segment: SegmentDefinition, userId: string, attributes: Attributes): boolean {
  if (segment.userIds.has(userId)) return true;
  return segment.conditions.length > 0 && matchesAll(segment.conditions, attributes);
}
