import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tickShapeModule = fileURLToPath(new URL('../../src/support/tick-shape.ts', import.meta.url));

/**
 * Runs `body` in a fresh Node process that may collect garbage at will and ask V8 whether two objects
 * share a shape; prints what `body` returns.
 */
function inFreshProcess(body: string): unknown {
  const script = `
    const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)');
    const { createHook } = await import('node:async_hooks');
    const tickObject = () => {
      let captured;
      const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') captured ??= resource; } });
      hook.enable();
      process.nextTick(() => {});
      hook.disable();
      return captured;
    };
    const result = await (async () => { ${body} })();
    console.log(JSON.stringify(result));`;
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

describe("process.nextTick's object shape (src/support/tick-shape.ts)", () => {
  it('holds a tick object, the one process.nextTick builds', async () => {
    const { heldTickObject } = await import('../../src/support/tick-shape.js');
    const keys = Object.getOwnPropertySymbols(heldTickObject).map((symbol) => symbol.description);
    // Node 24 adds its async context frame beside these.
    expect(keys).toEqual(expect.arrayContaining(['async_id_symbol', 'trigger_async_id_symbol']));
    expect(Object.keys(heldTickObject)).toEqual(expect.arrayContaining(['callback', 'args']));
  });

  it('keeps that shape through full garbage collections with no tick pending: new ticks are built alike', () => {
    const result = inFreshProcess(`
      const { heldTickObject } = await import(${JSON.stringify(tickShapeModule)});
      await new Promise((resolve) => setTimeout(resolve, 10));
      for (let i = 0; i < 3; i++) globalThis.gc();
      return sameShape(heldTickObject, tickObject());`);
    expect(result).toBe(true);
  });
});
