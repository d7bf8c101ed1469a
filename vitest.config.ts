import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['pipeline/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one moto server per run, started by the first AWS test file that needs it
    globalSetup: ['pipeline/testing/moto-global-setup.ts'],
  },
});
