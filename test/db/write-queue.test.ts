import { describe, expect, it } from 'vitest';
import { OverloadedError } from '../../src/errors.js';
import { WriteQueue } from '../../src/db/write-queue.js';

describe('WriteQueue', () => {
  it('runs writes one at a time, in order, and refuses more than its limit as overloaded', async () => {
    const queue = new WriteQueue(3);
    const order: string[] = [];
    let running = 0;
    const write = (name: string, fail = false) =>
      queue.run(async () => {
        running++;
        expect(running).toBe(1);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(name);
        running--;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = [write('a'), write('b', true), write('c')];
    await expect(write('d')).rejects.toBeInstanceOf(OverloadedError);
    expect(await results[0]).toBe('a');
    await expect(results[1]).rejects.toThrow('b failed');
    expect(await results[2]).toBe('c');
    expect(order).toEqual(['a', 'b', 'c']);
    // A failed write does not stop the queue, and the places are free again.
    expect(await Promise.all([write('e'), write('f'), write('g')])).toEqual(['e', 'f', 'g']);
  });
});
