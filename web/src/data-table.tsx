import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { sortRows } from './logic/sort.js';

export interface Column<T> {
  label: string;
  /** What the column sorts by; a column without it does not sort. */
  sortBy?: (row: T) => string | number | null;
  cell: (row: T) => ComponentChildren;
  /** The row's name: a row header (th scope=row), read first by a screen reader and shown as the card's title. */
  rowHeader?: boolean;
  /** Actions: no label before the cell on a phone, and a hidden heading. */
  actions?: boolean;
  numeric?: boolean;
}

type Sort = { column: number; direction: 'ascending' | 'descending' };

/**
 * Every table of the dashboard: headers stay visible while the page scrolls, a sortable column's
 * heading is a button (aria-sort says the order), and under 600 px each row becomes a card whose
 * cells name their column (styles.css).
 */
export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  rowClass,
  initialSort,
}: {
  label: string;
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowClass?: (row: T) => string | undefined;
  initialSort?: Sort;
}) {
  const [sort, setSort] = useState<Sort | undefined>(initialSort);
  const sorted = useMemo(() => {
    const by = sort && columns[sort.column]?.sortBy;
    return sort && by ? sortRows(rows, by, sort.direction) : rows;
  }, [rows, sort, columns]);
  return (
    <table class="data-table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((column, index) => {
            const order = sort?.column === index ? sort.direction : undefined;
            return (
              <th key={column.label} scope="col" aria-sort={order} class={column.numeric ? 'number' : undefined}>
                {column.actions ? (
                  <span class="visually-hidden">{column.label}</span>
                ) : column.sortBy ? (
                  <button
                    type="button"
                    class="sort"
                    onClick={() =>
                      setSort({ column: index, direction: order === 'ascending' ? 'descending' : 'ascending' })
                    }
                  >
                    {column.label}
                    <span aria-hidden="true">{order === 'ascending' ? ' ▲' : order === 'descending' ? ' ▼' : ''}</span>
                  </button>
                ) : (
                  column.label
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={rowKey(row)} class={rowClass?.(row)}>
            {columns.map((column) =>
              column.rowHeader ? (
                <th key={column.label} scope="row">
                  {column.cell(row)}
                </th>
              ) : (
                <td
                  key={column.label}
                  data-label={column.actions ? undefined : column.label}
                  class={column.numeric ? 'number' : undefined}
                >
                  {column.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
