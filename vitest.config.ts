import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { servicesEnabled } from './test/support/services.js';

/**
 * The folders of the server's tests that hold for any storage engine, run a second time with every app on
 * PostgreSQL: through HTTP (or the services), what they check cannot tell the engines apart. A
 * test file belongs here when that holds for it. Tests of the SQLite file itself (storage, backup,
 * durability, exposure) stay with SQLite, and so do those whose subject lies above storage (the
 * client, password screening, the docs).
 */
const ON_BOTH_ENGINES = [
  'test/api/**/*.test.ts',
  // Each repository's behaviour suite: the two implementations are held to one contract.
  'test/repositories/**/*.test.ts',
];
/** Tests only PostgreSQL has: its store across instances, the conformance suite against it. */
const POSTGRES_ONLY = 'test/postgres/**/*.test.ts';
/**
 * Tests of what the packages ship (dist/, bins, tarballs): only their project builds the packages
 * first, so running any other test file does not wait for a build.
 */
const OF_THE_PACKAGES = 'test/packages/**/*.test.ts';

export default defineConfig({
  // As in tsconfig.json's paths: in the repository @azuma/contract is its sources, not its build.
  resolve: {
    alias: [
      { find: /^@azuma\/contract$/, replacement: fileURLToPath(new URL('./contract/index.ts', import.meta.url)) },
      { find: /^@azuma\/contract\/(.+)$/, replacement: fileURLToPath(new URL('./contract/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    // better-sqlite3 is a native addon: it breaks under vmThreads; forks isolate it cleanly.
    pool: 'forks',
    // Most files spend their time waiting on what they started (servers, clusters, Chromium), not
    // on a core, so a 2-core machine still runs three at once; VITEST_MAX_WORKERS overrides it.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || Math.max(3, availableParallelism() - 1),
    testTimeout: 20_000,
    // expect.poll waits for what a browser or a server shows in its own time: a second (the
    // default) is too short while other files keep both cores busy.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, POSTGRES_ONLY, OF_THE_PACKAGES],
        },
      },
      {
        extends: true,
        test: {
          name: 'packages',
          include: [OF_THE_PACKAGES],
          // Vitest runs a project's global setup only when one of its files is picked, and every
          // project's before any test starts: a full run builds once, before the tests that need it.
          globalSetup: ['test/support/build-packages.ts'],
        },
      },
      // Without PostgreSQL installed (and outside CI) the project is left out, saying how to install it.
      ...(servicesEnabled('postgres')
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                // A step is a network round trip here, not a call into the process: the tests
                // that take a thousand of them need longer.
                testTimeout: 60_000,
                include: [...ON_BOTH_ENGINES, POSTGRES_ONLY],
                globalSetup: ['test/support/postgres-setup.ts'],
                env: { AZUMA_TEST_BACKEND: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
