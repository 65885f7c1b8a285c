import { defineConfig } from 'vitest/config';
import { tsconfigAliases } from './vitest.shared';

/** Unit tier: `*.spec.ts` next to the code; no broker, no database. */
export default defineConfig({
  resolve: { alias: tsconfigAliases() },
  test: {
    include: ['**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/*.int.spec.ts', '**/*.e2e.spec.ts'],
    testTimeout: 60_000,
  },
});
