import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { backends, buildTestApp, type TestDatabase } from '../helpers.js';

interface Backend {
  create(): Promise<TestDatabase>;
  available: boolean;
}

interface AppOptions {
  /** Environment on top of the test defaults (config is read from the environment); a function is called when the app is built. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Runs once the app is built, before the suite's tests. */
  seed?: (app: FastifyInstance) => Promise<void>;
}

/**
 * For a suite: builds the app on a fresh database of this backend before it (then runs `seed`),
 * closes the app and drops the database after it. Returns the app's getter.
 */
export function useTestApp(backend: Backend, { env, seed }: AppOptions = {}): () => FastifyInstance {
  let database: TestDatabase | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    app = await buildTestApp(database, typeof env === 'function' ? env() : env);
    await seed?.(app);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });
  return () => {
    if (!app) throw new Error('the test app is not built (is the backend available?)');
    return app;
  };
}

const [sqlite] = backends;

/** For a suite whose clients speak real HTTP (curl, a browser, an SDK): the app on SQLite, listening on loopback. */
export function useTestServer(options: AppOptions = {}): { app: () => FastifyInstance; baseUrl: () => string } {
  const app = useTestApp(sqlite, options);
  let baseUrl = '';
  beforeAll(async () => {
    baseUrl = await app().listen({ port: 0, host: '127.0.0.1' });
  });
  return { app, baseUrl: () => baseUrl };
}
