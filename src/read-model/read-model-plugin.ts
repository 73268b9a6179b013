import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Clock } from '../support/clock.js';
import { ApiKeyRing } from './api-key-ring.js';
import { ConfigSnapshot } from './config-snapshot.js';
import { type EnvironmentView } from './environment-view.js';
import { ConfigSync } from './config-sync.js';
import { StreamHub } from './stream-hub.js';

/** What every instance keeps in memory and reads instead of the database, and what keeps it current. */
export interface ReadModel {
  /** Each environment as evaluation reads it, and the projects' flags, segments and schedules. */
  snapshot: ConfigSnapshot;
  /** The API keys, by the hash of their secret. */
  keyRing: ApiKeyRing;
  /** Brings both up to date when this or another instance changes something. */
  sync: ConfigSync;
  /** Hands each change on to the open event streams (SSE, OFREP). */
  hub: StreamHub;
  /** The environment as of `revision` at least: read from the database first if this instance is behind. */
  atLeast(view: EnvironmentView, revision: number): Promise<EnvironmentView>;
}

declare module 'fastify' {
  interface FastifyInstance {
    readModel: ReadModel;
  }
}

export interface ReadModelOptions {
  config: Pick<Config, 'snapshotPollMs' | 'streams'>;
  clock: Clock;
}

/** Loads everything before the first request, and keeps it current until the service closes. */
export const readModelPlugin = fp<ReadModelOptions>(
  async (app, { config, clock }) => {
    const snapshot = new ConfigSnapshot(clock);
    const keyRing = new ApiKeyRing();
    const { database } = app;
    const sync = new ConfigSync(
      database.config,
      snapshot,
      keyRing,
      database.changes,
      config.snapshotPollMs,
      app.log,
      clock,
    );
    const hub = new StreamHub(snapshot, clock, config.streams.heartbeatMs, config.streams.limitPerKey);
    const atLeast = async (view: EnvironmentView, revision: number) => {
      if (snapshot.revision < revision) await sync.refresh();
      return snapshot.environment(view.environment.id) ?? view;
    };
    app.decorate('readModel', { snapshot, keyRing, sync, hub, atLeast });
    // Open streams would keep close() waiting for ever: they end first, and clients reconnect elsewhere.
    app.addHook('preClose', async () => hub.stop());
    app.addHook('onClose', () => sync.stop());
    await sync.start();
    hub.start();
  },
  { name: 'read-model', dependencies: ['database'] },
);
