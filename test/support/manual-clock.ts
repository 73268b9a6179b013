import type { Clock } from '../../src/support/clock.js';

interface Periodic {
  intervalMs: number;
  nextAt: number;
  task: () => unknown;
}

/** A clock that stands still until a test moves it, running the periodic work that falls due on the way. */
export class ManualClock implements Clock {
  private readonly periodic = new Set<Periodic>();

  constructor(private time = Date.parse('2026-12-01T12:00:00.000Z')) {}

  now(): number {
    return this.time;
  }

  every(intervalMs: number, task: () => unknown): () => void {
    const entry = { intervalMs, nextAt: this.time + intervalMs, task };
    this.periodic.add(entry);
    return () => this.periodic.delete(entry);
  }

  /**
   * Moves time on by `ms`, running each periodic task at every point it falls due, in time order,
   * and waiting for what those runs return (a check for due schedules, a poll) before going on.
   * Tasks due at the same moment run concurrently, as timers of separate instances would.
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const nextAt = Math.min(...[...this.periodic].map((p) => p.nextAt));
      if (nextAt > until) break;
      this.time = nextAt;
      const due = [...this.periodic].filter((p) => p.nextAt === nextAt);
      for (const entry of due) entry.nextAt += entry.intervalMs;
      await Promise.all(due.map((entry) => entry.task()));
    }
    this.time = until;
  }
}
