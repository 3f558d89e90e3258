import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The crash, loss and fault drills take about five minutes: `npm run drills` (run by CI) runs them.
    exclude: ['test/drills/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start servers on random loopback ports; files can run in parallel.
    pool: 'forks',
  },
});
