/** The browser's time zone, shown beside every date-time picker. */
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A datetime-local value (the user's wall clock) as the UTC instant the API stores; undefined when not a time. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
