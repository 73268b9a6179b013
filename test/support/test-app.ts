import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/support/clock.js';
import { backends, buildTestApp, type TestDatabase } from '../helpers.js';

interface Backend {
  create(): Promise<TestDatabase>;
  available: boolean;
}

interface AppOptions {
  /**
   * Environment on top of the test defaults (config is read from the environment); a function is called when the app is
   * built.
   */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Runs once the app is built, before the suite's tests. */
  seed?: (app: FastifyInstance) => Promise<void>;
  /** The app's clock (a ManualClock, to move time by hand); the system's when not given. */
  clock?: Clock;
}

/**
 * For a suite: builds the app on a fresh database of this backend before it (then runs `seed`),
 * closes the app and drops the database after it. Returns getters for both; the database is for
 * suites that also read it or break it directly.
 */
export function useTestAppAndDatabase(
  backend: Backend,
  { env, seed, clock }: AppOptions = {},
): { app: () => FastifyInstance; database: () => TestDatabase } {
  let database: TestDatabase | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    app = await buildTestApp(database, typeof env === 'function' ? env() : env, clock);
    await seed?.(app);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });
  const built = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the test app is not built (is the backend available?)');
    return value;
  };
  return { app: () => built(app), database: () => built(database) };
}

/** useTestAppAndDatabase, for suites that need only the app. */
export function useTestApp(backend: Backend, options: AppOptions = {}): () => FastifyInstance {
  return useTestAppAndDatabase(backend, options).app;
}

const [sqlite] = backends;

/** For a suite whose clients speak real HTTP (curl, a browser, an SDK): the app (SQLite by default) on loopback. */
export function useTestServer(
  options: AppOptions = {},
  backend: Backend = sqlite,
): { app: () => FastifyInstance; baseUrl: () => string } {
  const app = useTestApp(backend, options);
  let baseUrl = '';
  beforeAll(async () => {
    if (backend.available) baseUrl = await app().listen({ port: 0, host: '127.0.0.1' });
  });
  return { app, baseUrl: () => baseUrl };
}
