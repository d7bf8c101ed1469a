import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['pipeline/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one cloud emulator per run (pipeline/emulator/testing); it starts only when the first test that needs it asks
    globalSetup: ['pipeline/emulator/testing/global-setup.ts'],
    // the AWS SDK warns that releases after January 2027 need Node 22; package.json pins releases that support Node 20
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
