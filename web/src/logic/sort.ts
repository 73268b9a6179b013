export type SortValue = string | number | null;

/**
 * A table's rows in a column's order: numbers by value, text as the person's language sorts it (with
 * numbers inside text in numeric order: flag2 before flag10), empty values last in either direction.
 * Rows that tie keep their order.
 */
export function sortRows<T>(rows: readonly T[], by: (row: T) => SortValue, direction: 'ascending' | 'descending'): T[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row) => ({ row, value: by(row) }))
    .sort((a, b) => {
      if (a.value === b.value) return 0;
      if (a.value === null) return 1;
      if (b.value === null) return -1;
      if (typeof a.value === 'number' && typeof b.value === 'number') return sign * (a.value - b.value);
      return sign * String(a.value).localeCompare(String(b.value), undefined, { numeric: true });
    })
    .map(({ row }) => row);
}
