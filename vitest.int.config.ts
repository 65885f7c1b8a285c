import { defineConfig } from 'vitest/config';
import { tsconfigAliases } from './vitest.shared';

/** Integration tier: real PostgreSQL and RabbitMQ started once by the global setup; a database and vhost per file. */
export default defineConfig({
  resolve: { alias: tsconfigAliases() },
  test: {
    include: ['{apps,libs}/**/*.int.spec.ts', 'tests/integration/**/*.int.spec.ts'],
    globalSetup: ['tools/testing/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
