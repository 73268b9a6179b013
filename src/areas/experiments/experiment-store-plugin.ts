import { SqlExperimentData, type ExperimentData } from './experiment-store.js';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Exposures and events: written by the exposure buffer and POST /events, read by results. */
    experimentData: ExperimentData;
  }
}

/** The experiments' store, on the database's client (and on SQLite a writer connection of its own). */
export const experimentStorePlugin = fp(
  async (app) => {
    const { client, provider, assertWritable, sqliteFile } = app.database;
    const data = new SqlExperimentData(client, provider, assertWritable, sqliteFile);
    app.decorate('experimentData', data);
    app.addHook('onClose', async () => data.close());
  },
  { name: 'experiment-store', dependencies: ['database'] },
);
