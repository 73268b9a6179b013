// First: holds process.nextTick's object shape before the start's garbage collections can drop it.
import './support/tick-shape.js';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DatabaseStartError } from './db/database.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

/** DATABASE_URL as it may be logged: without its password. */
function shownUrl(url: string): string {
  if (url.startsWith('file:')) return url;
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * A database that is not up yet (started alongside, a failover) gets DATABASE_START_TIMEOUT_MS of
 * retries with backoff, one line each, before the process gives up with one line naming the setting.
 */
async function buildWhenDatabaseAnswers(settings: Config) {
  const startedAt = Date.now();
  for (let attempt = 1, delayMs = 250; ; attempt++, delayMs = Math.min(delayMs * 2, 5000)) {
    try {
      return await buildApp(settings);
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        process.exit(1);
      }
      if (!(error instanceof DatabaseStartError)) throw error;
      const where = `the database at DATABASE_URL=${shownUrl(settings.databaseUrl)}`;
      const left = settings.databaseStartTimeoutMs - (Date.now() - startedAt);
      if (left <= delayMs) {
        console.error(
          `Cannot open ${where}: ${error.message}. Gave up after ${attempt} attempts (DATABASE_START_TIMEOUT_MS).`,
        );
        process.exit(1);
      }
      console.error(`Cannot open ${where}: ${error.message}. Retrying in ${delayMs} ms (attempt ${attempt}).`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

const app = await buildWhenDatabaseAnswers(config);

let closing = false;
async function shutdown(signal: NodeJS.Signals) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down: finishing in-flight requests');
  // A stuck request must not keep the platform waiting forever.
  const forceExit = setTimeout(() => {
    app.log.error('in-flight requests did not finish in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  forceExit.unref();
  // close() stops accepting, waits for in-flight requests, then runs onClose hooks (database).
  await app.close();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.error({ err: error }, 'could not start');
  await app.close();
  process.exit(1);
}
