import type { ConfigStore, ConfigWrite } from '../../db/repositories.js';
import type { ApiKeyRing } from '../../read-model/api-key-ring.js';
import type { ConfigSnapshot } from '../../read-model/config-snapshot.js';

/**
 * Runs a configuration write and puts what it changed into this process's snapshot and key ring at
 * once, before the next reload: a client that writes and then reads on the same instance sees its write.
 */
export class ConfigWriter {
  constructor(
    private readonly store: ConfigStore,
    private readonly snapshot: ConfigSnapshot,
    private readonly keyRing: ApiKeyRing,
  ) {}

  async write<T>(work: (write: ConfigWrite) => Promise<T>, messages?: { conflict?: string }): Promise<T> {
    const { result, changes, revisions } = await this.store.write(work, messages);
    this.snapshot.applyLocal(changes, revisions);
    if (changes.apiKeys.present.length > 0 || changes.apiKeys.gone.length > 0) this.keyRing.put(changes.apiKeys);
    return result;
  }
}
