import { describe, expect, it } from 'vitest';
import type { Flag } from '../../src/db/repositories.js';
import { ConfigSnapshot } from '../../src/services/config-snapshot.js';

const flag = (name: string, status = true): Flag => ({
  name,
  status,
  rolloutBasisPoints: 10_000,
  description: null,
  variants: [],
  rules: [],
  overrides: [],
  prerequisites: [],
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('ConfigSnapshot', () => {
  it('starts empty at revision -1, then holds a loaded set in name order', () => {
    const snapshot = new ConfigSnapshot();
    expect(snapshot.revision).toBe(-1);
    expect(snapshot.all()).toEqual([]);
    snapshot.replace(7, [flag('b'), flag('a'), flag('C')], [], []);
    expect(snapshot.revision).toBe(7);
    expect(snapshot.all().map((f) => f.name)).toEqual(['C', 'a', 'b']);
    expect(snapshot.find('a')?.name).toBe('a');
    expect(snapshot.find('z')).toBeUndefined();
  });

  it('applies local writes at once, keeps the revision and counts them', () => {
    const snapshot = new ConfigSnapshot();
    snapshot.replace(3, [flag('a')], [], []);
    snapshot.put(flag('b'));
    snapshot.put(flag('a', false));
    snapshot.remove('b');
    expect(snapshot.all()).toEqual([flag('a', false)]);
    expect(snapshot.revision).toBe(3);
    expect(snapshot.localWriteCount).toBe(3);
  });

  it('never changes a set a reader already holds', () => {
    const snapshot = new ConfigSnapshot();
    snapshot.replace(1, [flag('a')], [], []);
    const held = snapshot.all();
    snapshot.put(flag('b'));
    snapshot.replace(2, [], [], []);
    expect(held.map((f) => f.name)).toEqual(['a']);
  });
});
