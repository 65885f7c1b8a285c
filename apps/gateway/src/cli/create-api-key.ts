/**
 * Creates an API key and prints it once (only its hash is stored).
 *   npm run api-key:create -- --tenant acme [--admin] [--name ci]
 * Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { ApiKeyRepository, createDataSource } from '@quire/job-model';

const config = loadConfig(
  z.object({ QUIRE_DATABASE_URL: env.databaseUrl.default('postgres://quire:quire@127.0.0.1:5432/quire') }),
);
const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'default' },
    admin: { type: 'boolean', default: false },
    name: { type: 'string', default: '' },
  },
});
const ds = createDataSource(config.QUIRE_DATABASE_URL, { poolSize: 1, applicationName: 'create-api-key' });
await ds.initialize();
try {
  const created = await new ApiKeyRepository(ds).createKey(
    values.tenant,
    values.admin ? 'admin' : 'user',
    values.name,
  );
  process.stdout.write(
    `${JSON.stringify({ tenant: values.tenant, role: values.admin ? 'admin' : 'user', apiKey: created.key })}\n`,
  );
} finally {
  await ds.destroy();
}
