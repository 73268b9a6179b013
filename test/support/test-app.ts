import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildTestApp, type TestDatabase } from '../helpers.js';

interface Backend {
  create(): Promise<TestDatabase>;
  available: boolean;
}

/**
 * For a suite: builds the app on a fresh database of this backend before it (then runs `seed`),
 * closes the app and drops the database after it. Returns the app's getter.
 */
export function useTestApp(backend: Backend, seed?: (app: FastifyInstance) => Promise<void>): () => FastifyInstance {
  let database: TestDatabase | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    database = await backend.create();
    app = await buildTestApp(database);
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
