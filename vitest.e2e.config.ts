import { defineConfig } from 'vitest/config';
import { tsconfigAliases } from './vitest.shared';

/** End-to-end tier: the real apps started as processes and driven over HTTP. */
export default defineConfig({
  resolve: { alias: tsconfigAliases() },
  test: {
    include: ['tests/e2e/**/*.e2e.spec.ts'],
    globalSetup: ['tools/testing/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
