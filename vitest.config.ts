import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start real servers and SQLite files; two cores run two forks well.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
