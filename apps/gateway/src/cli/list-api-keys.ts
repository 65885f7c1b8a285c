/**
 * Lists API keys (id, tenant, prefix, role, name, created, expiry, revocation; never the key or its hash).
 *   npm run api-key:list [-- --tenant acme]
 * Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { ApiKeyRepository } from '@quire/job-model';
import { runKeyCommand } from './key-command';

await runKeyCommand('list-api-keys', async (ds) => {
  const { values } = parseArgs({ options: { tenant: { type: 'string' } } });
  const keys = await new ApiKeyRepository(ds).list(values.tenant ? { tenant: values.tenant } : {});
  return { items: keys };
});
