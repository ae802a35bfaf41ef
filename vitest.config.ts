import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.pulsepet/**', 'cdktf.out/**'],
    // every temporary file of the run lives under one directory, removed at the end
    globalSetup: ['test/support/run-tmpdir.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites start brokers and child processes; two cores.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
