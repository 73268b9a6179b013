import { EventSource } from 'eventsource';
import { environmentConfigSchema, fromEnvironmentConfig } from '../../../src/areas/evaluation/sync-schemas.js';
import { FlagSet } from './flag-set.js';
import { serviceRequest } from './service-request.js';

/**
 * How the provider hears of changes: `streaming` while the service's stream is open; `polling` while
 * it is not but GET /config answers; `offline` while neither does, answering from the last
 * configuration; `connecting` before the first of these.
 */
export type ConnectionState = 'connecting' | 'streaming' | 'polling' | 'offline';

export interface SyncOptions {
  /** The service's base URL for one environment, ending in "/". */
  base: URL;
  apiKey: string;
  pollIntervalMs: number;
  requestTimeoutMs: number;
  now: () => number;
}

export interface SyncListener {
  /** A new configuration is in place. */
  loaded(flags: FlagSet): void;
  /** The connection changed state; `error` says why, when it failed. */
  stateChanged(state: ConnectionState, error: Error | undefined): void;
}

/**
 * Keeps the environment's configuration: loads GET /config, then follows GET /stream and loads again
 * (conditionally, with If-None-Match) for each change announced; the stream resumes with
 * Last-Event-ID after a drop (the `eventsource` package does). While the stream is down, it polls.
 */
export class ConfigSync {
  private etag: string | undefined;
  /** The highest revision the configuration in hand is known to include. */
  private knownRevision = -1;
  /** The highest revision announced and not yet loaded. */
  private wantedRevision = -1;
  private loading: Promise<void> | undefined;
  private stream: EventSource | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastLoadFailed = false;
  state: ConnectionState = 'connecting';
  lastError: Error | undefined;
  /** When a request to the service last succeeded (ms since the epoch); undefined before. */
  lastContactAt: number | undefined;

  constructor(
    private readonly options: SyncOptions,
    private readonly listener: SyncListener,
  ) {}

  /** Loads the configuration and opens the stream; resolves with the first load (or rejects with its error). */
  start(): Promise<void> {
    const first = this.load();
    this.openStream();
    return first;
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    clearInterval(this.pollTimer);
  }

  /** Loads the configuration once more (a 304 when it has not changed); coalesces calls made meanwhile. */
  load(minRevision?: number): Promise<void> {
    if (minRevision !== undefined) this.wantedRevision = Math.max(this.wantedRevision, minRevision);
    if (this.loading) return this.loading;
    this.loading = this.fetchUntilCurrent().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetchUntilCurrent(): Promise<void> {
    do {
      const wanted = this.wantedRevision > this.knownRevision ? this.wantedRevision : undefined;
      try {
        await this.fetchConfig(wanted);
      } catch (error) {
        this.failed(error as Error);
        throw error;
      }
    } while (this.wantedRevision > this.knownRevision && !this.closed);
  }

  private async fetchConfig(minRevision: number | undefined): Promise<void> {
    const url = new URL('config', this.options.base);
    if (minRevision !== undefined) url.searchParams.set('min_revision', String(minRevision));
    const headers: Record<string, string> = {};
    if (this.etag !== undefined) headers['if-none-match'] = this.etag;
    const response = await serviceRequest(url, this.options, { headers });
    this.lastContactAt = this.options.now();
    if (response.status !== 304) {
      const config = fromEnvironmentConfig(environmentConfigSchema.parse(await response.json()));
      this.etag = response.headers.get('etag') ?? undefined;
      this.knownRevision = Math.max(this.knownRevision, config.revision);
      this.listener.loaded(new FlagSet(config, this.options.now));
    }
    // The service answered at least this revision (it reads the database first when it is behind).
    if (minRevision !== undefined) this.knownRevision = Math.max(this.knownRevision, minRevision);
    this.lastLoadFailed = false;
    this.updateState();
  }

  private failed(error: Error): void {
    this.lastError = error;
    this.lastLoadFailed = true;
    // Even with the stream open, what it announced is not loaded yet: try again at the next poll.
    this.startPolling();
    this.updateState();
  }

  /**
   * Offline while the last request failed and no stream is open; else streaming, or polling, or
   * (stream not open yet, nothing failed) connecting.
   */
  private updateState(): void {
    if (this.closed) return;
    const streaming = this.stream?.readyState === EventSource.OPEN;
    const state: ConnectionState =
      this.lastLoadFailed && !streaming
        ? 'offline'
        : streaming
          ? 'streaming'
          : this.pollTimer
            ? 'polling'
            : 'connecting';
    if (this.state === state) return;
    this.state = state;
    this.listener.stateChanged(state, state === 'offline' ? this.lastError : undefined);
  }

  private openStream(): void {
    const { apiKey } = this.options;
    const stream = new EventSource(new URL('stream', this.options.base).href, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${apiKey}` } }),
    });
    this.stream = stream;
    stream.addEventListener('open', () => {
      this.stopPolling();
      this.updateState();
    });
    // The first event names the revision now; then each change; `reload` when a gap was too long to replay.
    for (const type of ['revision', 'change', 'reload']) {
      stream.addEventListener(type, (event) => {
        const { revision } = JSON.parse(event.data) as { revision: number };
        if (revision > this.knownRevision) this.load(revision).catch(() => {});
      });
    }
    stream.addEventListener('error', (event) => {
      if (this.closed) return;
      const wasStreaming = this.state === 'streaming';
      this.lastError = new Error(`stream: ${event.message ?? 'disconnected'}`);
      // Down: a change may be missed until it reconnects (it retries by itself), so poll meanwhile and
      // check at once whether the service still answers. A refusal (401, 429) ends the stream: the poll reopens it.
      if (stream.readyState === EventSource.CLOSED) this.stream = undefined;
      this.startPolling();
      this.updateState();
      if (wasStreaming) this.load().catch(() => {});
    });
  }

  private startPolling(): void {
    if (this.pollTimer || this.closed) return;
    this.pollTimer = setInterval(() => {
      const streaming = this.stream?.readyState === EventSource.OPEN;
      if (streaming && this.wantedRevision <= this.knownRevision) return this.stopPolling();
      if (!this.stream) this.openStream();
      this.load().catch(() => {});
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.updateState();
  }
}
