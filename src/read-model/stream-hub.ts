import type { Clock } from '../support/clock.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import type { EnvironmentChange } from './environment-view.js';

/** Changes kept per environment for clients that resume with Last-Event-ID. */
export const REPLAYED_CHANGES = 1000;
/** What a client may leave unread before it is dropped: a stalled reader must not hold memory without bound. */
export const MAX_UNREAD_BYTES = 64 * 1024;

/** One open stream, as the hub sees it: where to write, and who holds it (for the per-key limit). */
export interface StreamSubscriber {
  readonly environmentId: number;
  /** The API key (or client address) it counts against. */
  readonly holder: string;
  /** When its stream token runs out (ms since the epoch); undefined for a stream opened with a key. */
  readonly expiresAt?: number;
  /** Writes text to the client; false when the client has too much unread and was dropped. */
  write(text: string): boolean;
  onChange(change: EnvironmentChange): void;
  close(): void;
}

/**
 * Every open stream of this instance, by environment. Changes come from the snapshot — this
 * instance's writes at once, other instances' through the change feed — so a change made anywhere
 * reaches every subscriber of every instance. Each environment's recent changes are kept for clients
 * that reconnect with Last-Event-ID; a heartbeat comment keeps proxies from closing idle streams.
 */
export class StreamHub {
  private readonly byEnvironment = new Map<number, Set<StreamSubscriber>>();
  private readonly recent = new Map<number, EnvironmentChange[]>();
  /**
   * From which revision on each environment's kept changes are complete: where this instance started
   * listening, or the last change dropped to keep REPLAYED_CHANGES.
   */
  private readonly completeFrom = new Map<number, number>();
  private startedAt = Infinity;
  private readonly held = new Map<string, number>();
  private stopHeartbeat: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly snapshot: ConfigSnapshot,
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
    private readonly limitPerHolder: number,
  ) {
    this.unsubscribe = snapshot.onChange((changes) => {
      for (const change of changes) this.publish(change);
    });
  }

  start(): void {
    this.startedAt = this.snapshot.revision;
    this.stopHeartbeat = this.clock.every(this.heartbeatMs, () => this.heartbeat());
  }

  /** Ends every stream: clients reconnect (to another instance) with Last-Event-ID. */
  stop(): void {
    this.stopHeartbeat?.();
    this.unsubscribe();
    for (const subscribers of this.byEnvironment.values()) for (const subscriber of subscribers) subscriber.close();
    this.byEnvironment.clear();
  }

  get size(): number {
    let n = 0;
    for (const subscribers of this.byEnvironment.values()) n += subscribers.size;
    return n;
  }

  /**
   * Ends the streams of every holder that may no longer hold them (a revoked key): called whenever the
   * keys change, on every instance, so a revocation reaches streams already open.
   */
  closeHeldBy(revoked: (holder: string) => boolean): void {
    for (const subscribers of this.byEnvironment.values()) {
      for (const subscriber of subscribers) if (revoked(subscriber.holder)) subscriber.close();
    }
  }

  /** Who holds open streams now. */
  holders(): string[] {
    return [...this.held.keys()];
  }

  /** Whether another stream would pass the holder's limit. */
  full(holder: string): boolean {
    return (this.held.get(holder) ?? 0) >= this.limitPerHolder;
  }

  subscribe(subscriber: StreamSubscriber): () => void {
    let subscribers = this.byEnvironment.get(subscriber.environmentId);
    if (!subscribers) this.byEnvironment.set(subscriber.environmentId, (subscribers = new Set()));
    subscribers.add(subscriber);
    this.held.set(subscriber.holder, (this.held.get(subscriber.holder) ?? 0) + 1);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      subscribers.delete(subscriber);
      const count = (this.held.get(subscriber.holder) ?? 1) - 1;
      if (count === 0) this.held.delete(subscriber.holder);
      else this.held.set(subscriber.holder, count);
    };
  }

  /**
   * The environment's changes after `revision`, oldest first; undefined when they no longer all are
   * kept here (the client must reload everything).
   */
  since(environmentId: number, revision: number): EnvironmentChange[] | undefined {
    if (revision < (this.completeFrom.get(environmentId) ?? this.startedAt)) return undefined;
    return (this.recent.get(environmentId) ?? []).filter((change) => change.revision > revision);
  }

  private publish(change: EnvironmentChange): void {
    let kept = this.recent.get(change.environmentId);
    if (!kept) this.recent.set(change.environmentId, (kept = []));
    kept.push(change);
    if (kept.length > REPLAYED_CHANGES) {
      const dropped = kept.splice(0, kept.length - REPLAYED_CHANGES);
      this.completeFrom.set(change.environmentId, dropped[dropped.length - 1].revision);
    }
    for (const subscriber of this.byEnvironment.get(change.environmentId) ?? []) subscriber.onChange(change);
  }

  /** A comment on every stream, so proxies keep it; a stream whose token ran out ends instead. */
  private heartbeat(): void {
    const now = this.clock.now();
    for (const subscribers of this.byEnvironment.values()) {
      for (const subscriber of subscribers) {
        if (subscriber.expiresAt !== undefined && subscriber.expiresAt <= now) subscriber.close();
        else subscriber.write(': heartbeat\n\n');
      }
    }
  }
}
