/**
 * The time as the services read it, and their periodic work. Passed in, so tests move time by hand
 * (test/support/manual-clock.ts) instead of sleeping against the wall clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `task` every `intervalMs` until the returned function is called; never keeps the process alive. */
  every(intervalMs: number, task: () => unknown): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(intervalMs, task) {
    const timer = setInterval(task, intervalMs).unref();
    return () => clearInterval(timer);
  },
};
