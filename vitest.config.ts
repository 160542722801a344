import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build-packages.ts'],
    // better-sqlite3 is a native addon: it breaks under vmThreads; forks isolate it cleanly.
    pool: 'forks',
    testTimeout: 20_000,
  },
});
