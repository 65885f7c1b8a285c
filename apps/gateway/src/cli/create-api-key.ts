/**
 * Creates an API key and prints it once (only its hash is stored), with its id (to revoke it later).
 *   npm run api-key:create -- --tenant acme [--role user|admin|operator] [--name ci] [--expires-in 90d | --expires-at 2026-12-31T00:00:00Z]
 * `--admin` is short for `--role admin` (a tenant admin). `--role operator` makes a platform operator key, which acts
 * on every tenant: this command line (and QUIRE_BOOTSTRAP_API_KEY) is the only way to create one.
 * Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { ApiKeyRepository } from '@quire/job-model';
import { runKeyCommand } from './key-command';
import { parseExpiry, parseRole } from './key-options';

await runKeyCommand('create-api-key', async (ds) => {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string', default: 'default' },
      role: { type: 'string' },
      admin: { type: 'boolean', default: false },
      name: { type: 'string', default: '' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
    },
  });
  const role = parseRole(values.role, values.admin);
  const expiresAt = parseExpiry({ expiresIn: values['expires-in'], expiresAt: values['expires-at'] });
  const created = await new ApiKeyRepository(ds).createKey(values.tenant, role, values.name, { expiresAt });
  return {
    tenant: values.tenant,
    role,
    id: created.id,
    prefix: created.prefix,
    expiresAt: expiresAt?.toISOString() ?? null,
    apiKey: created.key,
  };
});
