import { type EvaluationTimes, PrismaEvaluationTimes } from '../areas/flags/evaluation-time-store.js';
import type { WriterHealth } from './background-writers.js';
import type { Clock } from '../support/clock.js';
import { EvaluationCounter } from '../areas/evaluation/evaluation-counter.js';
import fp from 'fastify-plugin';

/** How often evaluations are turned into "last evaluated" times, in memory and in the database. */
export const USAGE_FLUSH_MS = 60_000;

const key = (flagId: number, environmentId: number) => `${flagId}:${environmentId}`;

/**
 * When each flag was last evaluated in each environment (which tells which flags are stale). Evaluation only
 * counts (EvaluationCounter); once a minute the counts that moved become "evaluated now", here and in
 * the database, so the request path never writes and every instance's use is remembered across restarts.
 */
export class FlagUsage {
  private readonly seen = new Map<string, number>();
  private readonly lastEvaluated = new Map<string, number>();
  private stopFlushing: (() => void) | undefined;

  constructor(
    private readonly counter: EvaluationCounter,
    private readonly times: EvaluationTimes,
    private readonly clock: Clock,
    private readonly health: WriterHealth,
  ) {}

  start(): void {
    this.stopFlushing = this.clock.every(USAGE_FLUSH_MS, () => this.flush());
  }

  async stop(): Promise<void> {
    this.stopFlushing?.();
    await this.flush();
  }

  /** Records as evaluated now every flag evaluated since the last flush. */
  async flush(): Promise<void> {
    const now = this.clock.now();
    const used: { flagId: number; environmentId: number }[] = [];
    for (const count of this.counter.values()) {
      const id = key(count.flagId, count.environmentId);
      const total = count.on + count.off;
      if (this.seen.get(id) === total) continue;
      this.seen.set(id, total);
      this.lastEvaluated.set(id, now);
      used.push({ flagId: count.flagId, environmentId: count.environmentId });
    }
    try {
      await this.health.writeDroppingRefused(used, (rows) => this.times.record(rows, new Date(now)));
      this.health.succeeded();
    } catch (error) {
      // Kept in memory; the next minute's flush writes them again only if they are used again.
      this.health.failed(error);
    }
  }

  /** Last evaluation per flag id and environment id, the database's and this instance's together. */
  async lastEvaluations(projectId: number): Promise<Map<number, Map<number, number>>> {
    const stored = await this.times.ofProject(projectId);
    const result = new Map<number, Map<number, number>>();
    const put = (flagId: number, environmentId: number, at: number) => {
      let byEnvironment = result.get(flagId);
      if (!byEnvironment) result.set(flagId, (byEnvironment = new Map()));
      byEnvironment.set(environmentId, Math.max(at, byEnvironment.get(environmentId) ?? 0));
    };
    for (const row of stored) put(row.flagId, row.environmentId, row.lastEvaluatedAt.getTime());
    // This instance's latest (other projects' flags too: callers look up their own by id).
    for (const [id, at] of this.lastEvaluated) {
      const [flagId, environmentId] = id.split(':').map(Number);
      put(flagId, environmentId, at);
    }
    return result;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What evaluation counts, per flag and environment; the usage flush reads it. */
    evaluationCounter: EvaluationCounter;
    flagUsage: FlagUsage;
  }
}

/** The usage flush: once a minute, flags evaluated since become "evaluated now", in memory and in the database. */
export const flagUsagePlugin = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    const counter = new EvaluationCounter();
    const usage = new FlagUsage(
      counter,
      new PrismaEvaluationTimes(app.database.client, app.database.assertWritable),
      clock,
      app.writers.add('flag_usage'),
    );
    app.decorate('evaluationCounter', counter);
    app.decorate('flagUsage', usage);
    app.addHook('onClose', () => usage.stop());
    usage.start();
  },
  { name: 'flag-usage', dependencies: ['database', 'writers'] },
);
