import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['agent/**/*.test.ts', 'softphone/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Interop tests start real SIP peers on fixed loopback ports; files run one at a time per worker.
    pool: 'forks',
    maxWorkers: 2,
  },
});
