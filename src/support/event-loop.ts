/** How long work may hold the event loop before it gives other work (requests, timers) a turn. */
const LONGEST_HOLD_MS = 10;

let heldSince: number | undefined;
const released = () => (heldSince = undefined);

/**
 * For long runs of work made of many small steps (a chain of SQLite queries, a plan over 2,000 flags):
 * called after each step, it lets the event loop take a turn once it has been held for LONGEST_HOLD_MS
 * since its last one, and otherwise costs a clock read. Evaluation answers from memory, so these
 * turns are what keep its latency low while such work runs.
 */
export async function giveTurnIfHeld(): Promise<void> {
  const now = performance.now();
  if (heldSince === undefined) {
    heldSince = now;
    setImmediate(released);
  } else if (now - heldSince >= LONGEST_HOLD_MS) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
