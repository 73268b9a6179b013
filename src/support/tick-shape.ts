import { createHook } from 'node:async_hooks';

/**
 * Holds one of `process.nextTick`'s tick objects for the life of the process. V8 keeps an object
 * shape only while something has it; the service's start (reading the database, building its
 * routes) runs full garbage collections while no tick is pending, which drop the tick objects'
 * shape, and `process.nextTick`'s inline caches then see a new shape, go megamorphic for good and
 * build every tick in V8's runtime: 5.6% of the service's CPU under load on Node 20 (perf), the
 * service 1.113 × faster head to head with the shape held (IQR 1.092–1.120, 9 rounds;
 * docs/performance.md, issue 33). Imported first by server.ts, before anything can collect it.
 */
export const heldTickObject: object = captureTickObject();

function captureTickObject(): object {
  let captured: object | undefined;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') captured ??= resource;
    },
  });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
  if (!captured) throw new Error('process.nextTick made no tick object');
  return captured;
}
