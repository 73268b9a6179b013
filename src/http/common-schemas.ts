import { z } from 'zod';
import { toBasisPoints, toPercentage } from './core-form.js';

export const flagNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'must start with a letter or digit and contain only letters, digits, "_", "-" and "."',
  )
  .describe('Unique name: 1–100 letters, digits, "_", "-" or ".", starting with a letter or digit')
  .meta({ example: 'beta_search' });

/** Project and environment keys: as flag names, they appear in paths unescaped. */
export const keySchema = z
  .string()
  .min(1)
  .max(50)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'must start with a letter or digit and contain only letters, digits, "_", "-" and "."',
  )
  .meta({ example: 'production' });

// Text both databases store as sent: no U+0000, which PostgreSQL's text columns refuse, and no half
// of a surrogate pair, which SQLite would keep as three U+FFFD and PostgreSQL refuses. (In a `u`
// regular expression a whole pair is one code point, never \p{Cs}.)
// eslint-disable-next-line no-control-regex -- U+0000 is the character this refuses.
const WITHOUT_NUL = /^[^\u0000]*$/;
const WELL_FORMED = /^\P{Cs}*$/u;
const NUL_REFUSED = 'must not contain the NUL character (U+0000)';
const LONE_SURROGATE_REFUSED = 'must be valid Unicode: it holds half of a surrogate pair';

/** Why a string cannot be stored as sent, or undefined when it can. */
export function unstorableReason(text: string): string | undefined {
  if (!WITHOUT_NUL.test(text)) return NUL_REFUSED;
  if (!WELL_FORMED.test(text)) return LONE_SURROGATE_REFUSED;
  return undefined;
}

/**
 * For text kept in a text column or handed to a background writer (descriptions, key names, user ids,
 * event names), refused as a 400 that names the field. Regular-expression checks, which zod runs
 * inline: a refinement on the user id cost single-flag evaluation 2–5% head to head.
 */
export const storableText = <S extends z.ZodString>(schema: S): S =>
  schema.regex(WITHOUT_NUL, NUL_REFUSED).regex(WELL_FORMED, LONE_SURROGATE_REFUSED);

/**
 * The first string (object key or value) anywhere in a JSON value that cannot be stored, with its
 * path, or undefined: attributes travel with their user to the exposure writer and the impact sample.
 */
export function unstorableInJson(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; reason: string } | undefined {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason === undefined ? undefined : { path, reason };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableInJson(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyReason = unstorableReason(key);
    if (keyReason !== undefined) return { path: [...path, key], reason: `its name ${keyReason}` };
    const found = unstorableInJson(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Refuses, as a 400 at the string's own path, a value in which unstorableInJson finds something. */
export function checkStorableJson(value: unknown, context: z.RefinementCtx): void {
  const found = unstorableInJson(value);
  if (found) context.addIssue({ code: 'custom', path: found.path, message: found.reason });
}

export const rolloutPercentageSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, 'must have at most two decimals')
  .describe('Share of users who get the flag when it is on, 0–100 with at most two decimals')
  .meta({ example: 25 });

/**
 * For a list whose items must differ in `field` (or be different values, with `null`): an issue at
 * each repeat, e.g. `variant "a" appears twice`.
 */
export function checkUnique<T>(
  items: T[],
  field: (keyof T & string) | null,
  noun: string,
  context: z.RefinementCtx,
): void {
  const seen = new Set<unknown>();
  for (const [index, item] of items.entries()) {
    const value = field === null ? item : item[field];
    const path = field === null ? [index] : [index, field];
    if (seen.has(value))
      context.addIssue({ code: 'custom', path, message: `${noun} "${String(value)}" appears twice` });
    seen.add(value);
  }
}

/**
 * Variant weights (percentages with two decimals) add up to exactly 100, counted in basis points so 33.33 + 33.33 +
 * 33.34 is exact.
 */
export function checkWeightsTotal(items: { weight: number }[], context: z.RefinementCtx): void {
  const total = items.reduce((sum, item) => sum + toBasisPoints(item.weight), 0);
  if (items.length > 0 && total !== 10_000) {
    context.addIssue({
      code: 'custom',
      message: `variant weights must add up to 100, not ${toPercentage(total)}`,
    });
  }
}

/**
 * Any JSON value. Named, because it refers to itself: unnamed, the OpenAPI document pointed at it
 * with a reference that Swagger UI and ReDoc cannot resolve. register(), not meta(): meta() names a
 * copy, while the value's references to itself point at the original.
 */
export const jsonValueSchema = z.json().register(z.globalRegistry, { id: 'JsonValue', description: 'Any JSON value' });

/** An item's version: raised by every write of it, so a change can say which version it was prepared against. */
export const versionSchema = z
  .number()
  .int()
  .min(1)
  .describe('Raised by every change of it: what a change is prepared against');
