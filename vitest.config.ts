import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The dashboard's and the provider package's own tests run with the service's.
    include: ['test/**/*.test.ts', 'web/test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
