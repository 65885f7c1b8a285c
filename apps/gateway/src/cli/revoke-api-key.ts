/**
 * Revokes an API key at once (it answers 401 from the next request on; the row is kept for the record).
 *   npm run api-key:revoke -- --id <key id>      (or --prefix qk_xxxxxxx, as listed by api-key:list)
 * Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { ApiKeyRepository } from '@quire/job-model';
import { runKeyCommand } from './key-command';

await runKeyCommand('revoke-api-key', async (ds) => {
  const { values } = parseArgs({ options: { id: { type: 'string' }, prefix: { type: 'string' } } });
  const which = values.id ?? values.prefix;
  if (!which || (values.id && values.prefix))
    throw new Error('give the key as --id <id> or --prefix <prefix>');
  const keys = new ApiKeyRepository(ds);
  const found = await keys.list({ idOrPrefix: which });
  if (found.length === 0) throw new Error(`no API key with id or prefix "${which}"`);
  if (found.length > 1) throw new Error(`the prefix "${which}" matches ${found.length} keys: revoke by --id`);
  const key = found[0];
  const revoked = await keys.revoke(key.id);
  return {
    id: key.id,
    tenant: key.tenant,
    prefix: key.prefix,
    role: key.role,
    revoked,
    ...(revoked ? {} : { note: `already revoked at ${key.revokedAt?.toISOString() ?? '?'}` }),
  };
});
