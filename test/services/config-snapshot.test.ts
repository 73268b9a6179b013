import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/services/clock.js';
import { ConfigSnapshot } from '../../src/services/config-snapshot.js';
import { flag } from '../support/flags.js';

describe('ConfigSnapshot', () => {
  it('starts empty at revision -1, then holds a loaded set in name order', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    expect(snapshot.revision).toBe(-1);
    expect(snapshot.all()).toEqual([]);
    snapshot.replace(7, [flag('b'), flag('a'), flag('C')], [], [], []);
    expect(snapshot.revision).toBe(7);
    expect(snapshot.all().map((f) => f.name)).toEqual(['C', 'a', 'b']);
    expect(snapshot.find('a')?.name).toBe('a');
    expect(snapshot.find('z')).toBeUndefined();
  });

  it('applies local writes at once, keeps the revision and counts them', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(3, [flag('a')], [], [], []);
    snapshot.put(flag('b'));
    snapshot.put(flag('a', { status: false }));
    snapshot.remove('b');
    expect(snapshot.all()).toEqual([flag('a', { status: false })]);
    expect(snapshot.revision).toBe(3);
    expect(snapshot.localWriteCount).toBe(3);
  });

  it('never changes a set a reader already holds', () => {
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(1, [flag('a')], [], [], []);
    const held = snapshot.all();
    snapshot.put(flag('b'));
    snapshot.replace(2, [], [], [], []);
    expect(held.map((f) => f.name)).toEqual(['a']);
  });
});

describe('ConfigSnapshot, changed flags merged into the sorted list', () => {
  it('holds, after any mix of writes and read changes, what a full load of the same flags holds', () => {
    // A fixed linear congruential sequence: the same mix on every run.
    let seed = 20261127;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const names = ['', 'A', 'Z', 'a', 'a_b', 'ab', 'b', 'beta', 'zz', 'é', '🚩'];
    const snapshot = new ConfigSnapshot(systemClock);
    snapshot.replace(0, [flag('b'), flag('a')], [], [], []);
    const expected = new Map([
      ['a', flag('a')],
      ['b', flag('b')],
    ]);
    const noRows = { present: [], gone: [] };
    for (let step = 1; step <= 500; step++) {
      const name = names[random(names.length)];
      const kind = random(4);
      if (kind === 0) {
        const written = flag(name, { status: step % 2 === 0 });
        snapshot.put(written);
        expected.set(name, written);
      } else if (kind === 1) {
        snapshot.remove(name);
        expected.delete(name);
      } else if (kind === 2) {
        const present = [flag(name, { status: false }), flag(names[random(names.length)])];
        const gone = [names[random(names.length)]].filter((g) => !present.some((f) => f.name === g));
        snapshot.applyChanges({
          revision: step,
          flags: { present, gone },
          apiKeys: noRows,
          segments: noRows,
          schedules: noRows,
          experiments: noRows,
        });
        for (const g of gone) expected.delete(g);
        for (const f of present) expected.set(f.name, f);
      } else {
        snapshot.removeSchedule('none', flag(name));
        expected.set(name, flag(name));
      }
      const fresh = new ConfigSnapshot(systemClock);
      fresh.replace(step, [...expected.values()], [], [], []);
      expect(snapshot.all(), `step ${step}`).toEqual(fresh.all());
      for (const n of names) expect(snapshot.find(n), `step ${step}, ${n}`).toEqual(expected.get(n));
    }
  });
});
