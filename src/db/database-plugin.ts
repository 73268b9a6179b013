import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Clock } from '../support/clock.js';
import { type Database, openDatabase } from './database.js';
import type { NewAuditEntry } from './repositories.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

export interface DatabaseOptions {
  config: Pick<Config, 'databaseProvider' | 'databaseUrl'>;
  clock: Clock;
  /** The body announcing an audit entry to webhooks; the webhooks area owns its shape. */
  announcement: (entry: NewAuditEntry, id: number, at: Date) => string;
}

/** The database, migrated before anything reads it, and closed after everything that writes to it. */
export const databasePlugin = fp<DatabaseOptions>(
  async (app, { config, clock, announcement }) => {
    const database = await openDatabase(config.databaseProvider, config.databaseUrl, {
      now: () => clock.now(),
      announcement,
    });
    app.decorate('database', database);
    app.addHook('onClose', () => database.close());
    for (const name of database.migrations.applied) app.log.info({ migration: name }, 'applied migration');
    for (const name of database.migrations.modifiedAfterApply) {
      app.log.warn(
        { migration: name },
        'migration.sql changed after it was applied; the database may not match the schema',
      );
    }
  },
  { name: 'database' },
);
