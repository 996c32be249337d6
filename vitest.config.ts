import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Differential tests print how many files they compared, and every skip prints what is missing; keep that output visible.
    silent: false,
    // CLIs the tests start keep no answers in the user's cache (test/cli/answers.test.ts turns it on where it is tested).
    env: { LOADGRAPH_CACHE: 'off' },
    // Temporary files of the run go into one directory, removed at the end (test/support/scratch.ts).
    globalSetup: ['test/support/scratch.ts'],
    // In CI, also write a JSON report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/report.json' }]] : ['default'],
    // `npm run coverage`: line coverage of src/ (and of src/cli/ on its own) must stay at 90 % or above (docs/testing.md).
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
      thresholds: { lines: 90, 'src/cli/**': { lines: 90 } },
    },
  },
});
