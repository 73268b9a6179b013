export interface Change {
  field: string;
  before: unknown;
  after: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields an audit entry's before and after differ in, in the order they first appear; nested objects by path. */
export function changes(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  prefix = '',
): Change[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const result: Change[] = [];
  for (const key of keys) {
    const was = before?.[key];
    const is = after?.[key];
    if (same(was, is)) continue;
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    if (isObject(was) && isObject(is)) result.push(...changes(was, is, `${prefix}${key}.`));
    else result.push({ field: `${prefix}${key}`, before: was, after: is });
  }
  return result;
}

/** A value as a person reads it in a diff. */
export const show = (value: unknown) => (value === undefined ? '—' : JSON.stringify(value));
