import { defineConfig } from 'vitest/config';

// `npm run drills`: the crash, loss and fault drills of the deep-trace side (test/drills/README.md), about five
// minutes; CI runs them after `npm test`.
export default defineConfig({
  test: {
    include: ['test/drills/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The drills mostly wait on simulated time and pacing: three at once halve the wall time on 2 cores.
    maxWorkers: 3,
  },
});
