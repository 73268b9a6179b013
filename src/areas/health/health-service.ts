import type { Clock } from '../../support/clock.js';

/** How long a background writer may keep failing before the instance reports itself degraded. */
export const FAILING_WRITER_DEGRADES_AFTER_MS = 60_000;

/** What /health reports of one background writer (the workers' board gives it). */
export interface WriterState {
  name: string;
  /** Since when its writes fail (ms since the epoch), or null while they succeed. */
  failingSince: number | null;
  /** Rows dropped because the database refused what they hold. */
  droppedRows: number;
}

/** How requests are counted: "redis-unreachable" means they are not (or are refused, if closed). */
export type RateLimitState = 'off' | 'memory' | 'redis' | 'redis-unreachable';

export interface HealthReport {
  databaseReachable: boolean;
  rateLimits: RateLimitState;
  version: string;
  uptimeSeconds: number;
  authEnabled: boolean;
  writers: (WriterState & { failingTooLong: boolean })[];
}

/** Whether this instance answers evaluations: from its snapshot, with or without the database. */
export interface Readiness {
  serving: boolean;
  /** Since the snapshot was last confirmed current against the database; grows during an outage. */
  snapshotAgeSeconds: number;
}

export interface HealthSources {
  pingDatabase: () => Promise<void>;
  version: string;
  authEnabled: () => boolean;
  rateLimits: () => RateLimitState;
  /** When the snapshot was last confirmed current (ms since the epoch), 0 before its first load. */
  snapshotConfirmedAt: () => number;
  /** The background writers: exposures, flag usage, webhook deliveries. */
  writers: () => WriterState[];
}

export class HealthService {
  private readonly startedAt: number;
  private stopping = false;

  constructor(
    private readonly sources: HealthSources,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  /** From now on the instance is no longer ready: it is shutting down, and load balancers should move on. */
  stop(): void {
    this.stopping = true;
  }

  /** For monitoring: every dependency, checked now (a database round trip). */
  async check(): Promise<HealthReport> {
    const databaseReachable = await this.sources.pingDatabase().then(
      () => true,
      () => false,
    );
    return {
      databaseReachable,
      rateLimits: this.sources.rateLimits(),
      version: this.sources.version,
      uptimeSeconds: Math.floor((this.clock.now() - this.startedAt) / 1000),
      authEnabled: this.sources.authEnabled(),
      writers: this.sources.writers().map((writer) => ({
        ...writer,
        failingTooLong:
          writer.failingSince !== null && this.clock.now() - writer.failingSince >= FAILING_WRITER_DEGRADES_AFTER_MS,
      })),
    };
  }

  /** For load balancers and platform restarts: no round trip, since a database outage must not take instances out. */
  readiness(): Readiness {
    const confirmedAt = this.sources.snapshotConfirmedAt();
    return {
      serving: !this.stopping && confirmedAt > 0,
      snapshotAgeSeconds: confirmedAt > 0 ? (this.clock.now() - confirmedAt) / 1000 : 0,
    };
  }
}
