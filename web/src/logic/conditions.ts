import type { Condition } from '../api.js';

/** The 19 operators the API takes (src/core/targeting.ts), in the order a person looks for them. */
export const OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'matches',
  'lt',
  'lte',
  'gt',
  'gte',
  'semver_eq',
  'semver_lt',
  'semver_lte',
  'semver_gt',
  'semver_gte',
  'exists',
  'not_exists',
] as const;

export type Operator = (typeof OPERATORS)[number];

/** "DE, FR,," → ["DE", "FR"]: tags, variant keys and list values are typed comma-separated. */
export const commaList = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const NUMERIC = new Set<string>(['lt', 'lte', 'gt', 'gte']);
const LISTS = new Set<string>(['in', 'not_in']);
const NO_VALUE = new Set<string>(['exists', 'not_exists']);

export const takesValue = (operator: string) => !NO_VALUE.has(operator);

/** The condition the API gets from what the person typed: numbers for comparisons, lists split at commas. */
export function toCondition(attribute: string, operator: string, text: string): Condition {
  if (NO_VALUE.has(operator)) return { attribute, operator };
  if (LISTS.has(operator))
    return {
      attribute,
      operator,
      value: commaList(text),
    };
  if (NUMERIC.has(operator) && text.trim() !== '' && Number.isFinite(Number(text))) {
    return { attribute, operator, value: Number(text) };
  }
  return { attribute, operator, value: text };
}

/** What the value field shows for a stored condition. */
export function valueText(condition: Condition): string {
  if (condition.value === undefined) return '';
  return Array.isArray(condition.value) ? condition.value.join(', ') : String(condition.value);
}

/**
 * Whether a draft's conditions are all filled in (an attribute, and a value where the operator takes
 * one): only then is it worth a preview, which would otherwise answer a half-typed rule with an error.
 */
export const conditionsComplete = (conditions: readonly Condition[]) =>
  conditions.every(
    (condition) =>
      condition.attribute.trim() !== '' && (!takesValue(condition.operator) || valueText(condition) !== ''),
  );

/** Moves the item at `from` to `to` (drag and drop, or the arrows). */
export function move<T>(items: readonly T[], from: number, to: number): T[] {
  if (from === to || to < 0 || to >= items.length) return [...items];
  const result = [...items];
  const [item] = result.splice(from, 1);
  result.splice(to, 0, item);
  return result;
}
