import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    setupFiles: ['test/helpers/temp-root.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end suites start real servers and worker pools; running files one by one keeps
    // the 2-core machines from thrashing and keeps timings meaningful.
    fileParallelism: false,
  },
});
