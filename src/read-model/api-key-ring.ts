import { hash } from 'node:crypto';
import type { ApiKey } from '../core/api-keys.js';
import type { ChangedRows } from '../db/repositories.js';

/**
 * Keys are stored and looked up by the SHA-256 of their secret, never by the secret. Once per
 * authenticated request, node:crypto's extra microsecond is well under the 3% that would justify
 * a hash of our own (docs/performance.md).
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

interface RingState {
  readonly activeByHash: ReadonlyMap<string, ApiKey>;
  /** Revoked keys count: once a key has existed, the service never falls back to open access. */
  readonly anyKeyEverCreated: boolean;
}

function stateOf(keys: Iterable<ApiKey>): RingState {
  const all = [...keys];
  const active = all.filter((k) => k.revokedAt === null);
  return {
    activeByHash: new Map(active.map((k) => [k.secretHash, k])),
    anyKeyEverCreated: all.length > 0,
  };
}

/**
 * Every API key, in memory like the flags, so checking a key costs a hash and a map lookup, and a
 * revocation anywhere reaches every instance with the same change feed as flags.
 */
export class ApiKeyRing {
  private state: RingState = stateOf([]);
  private keys: ReadonlyMap<string, ApiKey> = new Map();
  private writesApplied = 0;
  private changes = 0;
  private readonly listeners = new Set<() => void>();

  /** Changes whenever the keys do, so caches of past lookups know to start over. */
  get generation(): number {
    return this.changes;
  }

  get localWriteCount(): number {
    return this.writesApplied;
  }

  get anyKeyEverCreated(): boolean {
    return this.state.anyKeyEverCreated;
  }

  /** An active key by id. */
  active(id: string): ApiKey | undefined {
    const key = this.keys.get(id);
    return key && key.revokedAt === null ? key : undefined;
  }

  findActiveByHash(secretHash: string): ApiKey | undefined {
    return this.state.activeByHash.get(secretHash);
  }

  replace(keys: readonly ApiKey[]): void {
    this.keys = new Map(keys.map((k) => [k.id, k]));
    this.state = stateOf(keys);
    this.changes++;
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every change of the keys, this instance's or another's (through ConfigSync). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keys that changed in the database since the last load (read by ConfigSync). */
  applyChanges({ present, gone }: ChangedRows<ApiKey, string>): void {
    const keys = new Map(this.keys);
    for (const id of gone) keys.delete(id);
    for (const key of present) keys.set(key.id, key);
    this.replace([...keys.values()]);
  }

  /** Keys this process just created or revoked: in force here at once, before the next reload. */
  put(changes: ChangedRows<ApiKey, string>): void {
    this.applyChanges(changes);
    this.writesApplied++;
  }
}
