import type { ChangeFeed } from '../db/change-feed.js';
import type { ConfigReader } from '../db/repositories.js';
import type { ApiKeyRing } from './api-key-ring.js';
import type { Clock } from '../support/clock.js';
import type { ConfigSnapshot } from './config-snapshot.js';

interface SyncLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

// How long an announced change waits before it is compared with the snapshot (see noticed()).
const NOTICE_DELAY_MS = 20;

/**
 * Keeps the configuration snapshot and the key ring equal to the database: a full load at start, then
 * the rows changed since whenever the change feed says something changed (PostgreSQL NOTIFY:
 * milliseconds), and a cheap revision poll that catches whatever the feed missed (connection lost,
 * another writer, SQLite).
 */
export class ConfigSync {
  private stopPolling: (() => void) | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private failing = false;
  private confirmedAt = 0;
  private fullReloadsDone = 0;
  private partialReloadsDone = 0;
  private noticedRevision = -1;
  private noticeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ConfigReader,
    private readonly snapshot: ConfigSnapshot,
    private readonly keyRing: ApiKeyRing,
    private readonly feed: ChangeFeed,
    private readonly pollIntervalMs: number,
    private readonly log: SyncLogger,
    private readonly clock: Clock,
  ) {}

  /** When the snapshot was last known to match the database (ms since the epoch). */
  get lastConfirmedAt(): number {
    return this.confirmedAt;
  }

  /** How often everything was read from the database, this process's own writes needing none. */
  get reloads(): number {
    return this.fullReloadsDone;
  }

  /** How often only the rows changed since the snapshot's revision were read. */
  get partialReloads(): number {
    return this.partialReloadsDone;
  }

  /** The database revision the snapshot holds everything of. */
  get revision(): number {
    return this.snapshot.revision;
  }

  async start(): Promise<void> {
    await this.reload();
    await this.feed.start(
      (revision) => this.noticed(revision),
      (error) => this.log.warn({ err: error }, 'change feed disconnected; retrying, polling meanwhile'),
    );
    this.stopPolling = this.clock.every(this.pollIntervalMs, () => this.poll());
  }

  /**
   * A change was announced. A change this process wrote itself is in the snapshot already, which then
   * holds its revision; but the announcement can arrive before the writer's own commit does, so it
   * is looked at a moment later. That moment also gathers a write's several announcements into one.
   */
  private noticed(revision = Infinity): void {
    this.noticedRevision = Math.max(this.noticedRevision, revision);
    this.noticeTimer ??= setTimeout(() => {
      this.noticeTimer = undefined;
      const noticed = this.noticedRevision;
      this.noticedRevision = -1;
      if (noticed > this.snapshot.revision) void this.refresh();
    }, NOTICE_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopPolling?.();
    clearTimeout(this.noticeTimer);
    await this.feed.close();
    await this.reloading;
  }

  /** Reloads now, or once more after the reload in progress (which may have read too early). */
  refresh(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.reload();
        } while (this.reloadAgain);
        this.recovered();
      } catch (error) {
        this.failed(error);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async poll(): Promise<void> {
    try {
      if ((await this.config.revision()) !== this.snapshot.revision) await this.refresh();
      else {
        this.confirmedAt = this.clock.now();
        this.recovered();
      }
    } catch (error) {
      this.failed(error);
    }
  }

  /** Reads the rows changed since the snapshot's revision when the database can tell which, else everything. */
  private async reload(): Promise<void> {
    for (;;) {
      const writesBefore = this.localWrites();
      const since = this.snapshot.revision;
      const changes = since < 0 ? undefined : await this.config.changesSince(since);
      const everything = changes ? undefined : await this.config.loadAll();
      // A local write committed while we read may be missing from what we read: read again.
      if (this.localWrites() !== writesBefore) continue;
      if (everything) {
        this.snapshot.replace(everything);
        this.keyRing.replace(everything.apiKeys);
        this.fullReloadsDone++;
      } else if (changes && changes.revision !== since) {
        this.snapshot.applyChanges(changes);
        this.keyRing.applyChanges(changes.apiKeys);
        this.partialReloadsDone++;
      }
      this.confirmedAt = this.clock.now();
      return;
    }
  }

  private localWrites(): number {
    return this.snapshot.localWriteCount + this.keyRing.localWriteCount;
  }

  // Log transitions only: a database outage must not write a line per poll.
  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.log.warn({ err: error }, 'cannot refresh flags and keys from the database; serving the last snapshot');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.info({ revision: this.snapshot.revision }, 'database reachable again; flags and keys refreshed');
  }
}
