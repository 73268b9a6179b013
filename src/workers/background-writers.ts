import type { FastifyBaseLogger } from 'fastify';
import { isRefusedData } from '../db/prisma-errors.js';
import type { Clock } from '../support/clock.js';
import fp from 'fastify-plugin';

export type WriterName = 'exposures' | 'flag_usage' | 'webhooks';

/** What /health and /metrics report of one writer. */
export interface WriterState {
  name: WriterName;
  /** Since when its writes fail (ms since the epoch), or null while they succeed. */
  failingSince: number | null;
  /** Rows dropped because the database refused what they hold. */
  droppedRows: number;
}

/**
 * The health of one background writer (the exposure buffer, the usage flush, the webhook worker):
 * whether its writes fail and since when, and the rows it dropped. An outage is logged when it starts
 * and when it ends, not at every attempt; each dropped row is logged once, as it is dropped.
 */
export class WriterHealth {
  private failingSinceMs: number | null = null;
  private dropped = 0;

  constructor(
    readonly name: WriterName,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  get state(): WriterState {
    return { name: this.name, failingSince: this.failingSinceMs, droppedRows: this.dropped };
  }

  /** A write failed, not for what its rows hold (the database is unreachable, a table is missing): kept for later. */
  failed(error: unknown, details: object = {}): void {
    if (this.failingSinceMs !== null) return;
    this.failingSinceMs = this.clock.now();
    this.log.warn(
      { err: error, writer: this.name, ...details },
      `${this.name}: cannot write; kept for the next attempt`,
    );
  }

  succeeded(details: object = {}): void {
    if (this.failingSinceMs === null) return;
    this.log.info({ writer: this.name, ...details }, `${this.name}: writing again`);
    this.failingSinceMs = null;
  }

  /** A row the database refuses for what it holds: writing it again would fail again, so it goes. */
  droppedRow(row: object, error: unknown): void {
    this.dropped++;
    this.log.error({ err: error, writer: this.name, row }, `${this.name}: dropped a row the database refuses to store`);
  }

  /**
   * Writes `rows`; when the database refuses them for what one of them holds, halves the batch until
   * the refused rows stand alone, drops those (droppedRow) and writes the rest. Any other failure is
   * thrown, for the caller to keep its rows and try again; the halves written before it are written
   * again then, so `write` must be idempotent. Resolves to the number of rows written.
   */
  async writeDroppingRefused<T extends object>(
    rows: readonly T[],
    write: (rows: readonly T[]) => Promise<void>,
  ): Promise<number> {
    try {
      await write(rows);
      return rows.length;
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      if (rows.length === 1) {
        this.droppedRow(rows[0], error);
        return 0;
      }
      const half = Math.ceil(rows.length / 2);
      const first = await this.writeDroppingRefused(rows.slice(0, half), write);
      return first + (await this.writeDroppingRefused(rows.slice(half), write));
    }
  }
}

/** Every background writer's health, in the order they started: what /health and /metrics list. */
export class WriterBoard {
  private readonly writers: WriterHealth[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  add(name: WriterName): WriterHealth {
    const writer = new WriterHealth(name, this.clock, this.log);
    this.writers.push(writer);
    return writer;
  }

  get states(): WriterState[] {
    return this.writers.map((writer) => writer.state);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    writers: WriterBoard;
  }
}

/** The board each background writer's plugin adds itself to. */
export const writerBoardPlugin = fp<{ clock: Clock }>(
  async (app, { clock }) => {
    app.decorate('writers', new WriterBoard(clock, app.log));
  },
  { name: 'writers' },
);
