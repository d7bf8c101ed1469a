import { defineConfig } from 'vitest/config';

// End-to-end tests: the app in web mode driven by Chromium (playwright-core), plus the Electron
// smoke test where Electron's binary exists. Run with `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
