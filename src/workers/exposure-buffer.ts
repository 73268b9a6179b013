import type { FastifyBaseLogger } from 'fastify';
import type { Experiment } from '../core/experiments.js';
import type { ExperimentData, ExposureRecord } from '../areas/experiments/experiment-store.js';
import type { WriterHealth } from './background-writers.js';
import type { Clock } from '../support/clock.js';
import fp from 'fastify-plugin';

/** Rows per write, and the longest an exposure waits in memory before it is written. */
export const EXPOSURE_BATCH_ROWS = 1000;
export const EXPOSURE_FLUSH_MS = 1000;
/**
 * What the buffer holds at most while the database cannot take its writes (about 200 bytes a user):
 * beyond it new exposures are dropped and counted, so an outage costs results, never memory.
 */
export const MAX_BUFFERED_EXPOSURES = 100_000;

/**
 * The exposures evaluations make, kept in memory and written in batches: evaluation only adds to a
 * map, and never waits for the database. One entry per experiment and user; the database keeps the
 * first exposure of each, so writing the same user again (next second, another instance) is harmless.
 * A row the database refuses (a value it cannot store) is dropped alone; while the database cannot
 * be written at all, the buffer keeps everything up to its bound.
 */
export class ExposureBuffer {
  private pending = new Map<string, ExposureRecord>();
  private writing: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;
  private droppedCount = 0;
  /** Taken out of `pending` by the write under way; they come back if it fails, so they count to the bound. */
  private inFlight = 0;
  private writtenCount = 0;

  constructor(
    private readonly data: ExperimentData,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly health: WriterHealth,
  ) {}

  /** Exposures dropped because the buffer was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Exposure rows written (a user written again counts again). */
  get written(): number {
    return this.writtenCount;
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    this.stopTimer = this.clock.every(EXPOSURE_FLUSH_MS, () => this.flush());
  }

  record(experiment: Experiment, userId: string, variant: string): void {
    const id = `${experiment.id}\u0000${userId}`;
    const seen = this.pending.get(id);
    if (seen) {
      if (seen.variant !== variant) seen.multiple = true;
      return;
    }
    if (this.pending.size + this.inFlight >= MAX_BUFFERED_EXPOSURES) {
      this.droppedCount++;
      return;
    }
    this.pending.set(id, { experimentId: experiment.id, userId, variant, atMs: this.clock.now(), multiple: false });
    // While writes fail, the timer retries: not every full batch.
    if (this.pending.size >= EXPOSURE_BATCH_ROWS && !this.writing && this.health.state.failingSince === null) {
      void this.flush();
    }
  }

  /** Writes what is buffered, a batch at a time; one flush runs at a time. Resolves once it is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.size === 0) return;
    this.writing = this.writeAll().finally(() => (this.writing = undefined));
    await this.writing;
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    await this.flush();
    if (this.pending.size > 0) {
      this.log.error({ lost: this.pending.size }, 'exposures that could not be written before shutdown are lost');
    }
  }

  private async writeAll(): Promise<void> {
    while (this.pending.size > 0) {
      const batch: ExposureRecord[] = [];
      for (const [id, exposure] of this.pending) {
        batch.push(exposure);
        this.pending.delete(id);
        if (batch.length === EXPOSURE_BATCH_ROWS) break;
      }
      this.inFlight = batch.length;
      try {
        this.writtenCount += await this.health.writeDroppingRefused(batch, (rows) => this.data.recordExposures(rows));
      } catch (error) {
        this.putBack(batch);
        this.health.failed(error, { buffered: this.pending.size });
        return;
      } finally {
        this.inFlight = 0;
      }
      this.health.succeeded({ buffered: this.pending.size });
    }
  }

  /** A batch that could not be written goes back, kept over any newer sighting of the same user. */
  private putBack(batch: readonly ExposureRecord[]): void {
    for (const exposure of batch) {
      const id = `${exposure.experimentId}\u0000${exposure.userId}`;
      const newer = this.pending.get(id);
      if (newer && newer.variant !== exposure.variant) exposure.multiple = true;
      this.pending.set(id, exposure);
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    exposures: ExposureBuffer;
  }
}

/** First exposures, written in batches; those evaluated up to the end are written before the database closes. */
export const exposureBufferPlugin = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    const exposures = new ExposureBuffer(app.experimentData, clock, app.log, app.writers.add('exposures'));
    app.decorate('exposures', exposures);
    app.addHook('onClose', () => exposures.stop());
    exposures.start();
  },
  { name: 'exposures', dependencies: ['experiment-store', 'writers'] },
);
