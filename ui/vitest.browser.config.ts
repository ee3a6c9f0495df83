import { defineConfig } from 'vitest/config';

// Browser tests: Node drives /usr/bin/chromium through playwright-core against the built dist/.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
