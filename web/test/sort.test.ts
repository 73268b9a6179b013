import { describe, expect, it } from 'vitest';
import { sortRows } from '../src/logic/sort.js';

describe('sortRows', () => {
  const rows = [
    { name: 'flag10', evaluated: 3 },
    { name: 'flag2', evaluated: null },
    { name: 'Alpha', evaluated: 12 },
    { name: 'flag1', evaluated: 3 },
  ];

  it('orders text as people read it, numbers inside text by value', () => {
    expect(sortRows(rows, (r) => r.name, 'ascending').map((r) => r.name)).toEqual([
      'Alpha',
      'flag1',
      'flag2',
      'flag10',
    ]);
    expect(sortRows(rows, (r) => r.name, 'descending').map((r) => r.name)).toEqual([
      'flag10',
      'flag2',
      'flag1',
      'Alpha',
    ]);
  });

  it('orders numbers by value, keeps ties in their order, and puts empty values last both ways', () => {
    expect(sortRows(rows, (r) => r.evaluated, 'ascending').map((r) => r.name)).toEqual([
      'flag10',
      'flag1',
      'Alpha',
      'flag2',
    ]);
    expect(sortRows(rows, (r) => r.evaluated, 'descending').map((r) => r.name)).toEqual([
      'Alpha',
      'flag10',
      'flag1',
      'flag2',
    ]);
  });

  it('leaves the rows it was given as they were', () => {
    const before = rows.map((r) => r.name);
    sortRows(rows, (r) => r.name, 'descending');
    expect(rows.map((r) => r.name)).toEqual(before);
  });
});
