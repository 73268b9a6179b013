// `npm run db:migrate`: apply pending migrations to DATABASE_URL without starting the server.
import { ConfigError, loadConfig } from '../config.js';
import { migrate } from './migrate.js';

try {
  const config = loadConfig();
  const report = await migrate(config.databaseProvider, config.databaseUrl);
  console.log(report.applied.length ? `Applied: ${report.applied.join(', ')}` : 'Database is up to date');
  for (const name of report.modifiedAfterApply) console.warn(`Warning: ${name} changed after it was applied`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
