/**
 * Creates or rotates a tenant's webhook signing secret and prints it once (docs/architecture.md (webhooks)):
 *   npm run webhook:rotate-secret -- --tenant acme [--grace 24h | --grace 0]
 * The secret is stored sealed (AES-256-GCM) under QUIRE_WEBHOOK_SECRET_KEY, which this command and the maintenance
 * worker (the dispatcher) read; the database alone never holds it in clear. After a rotation the previous secret
 * also signs callbacks for `--grace` (default 24h), so receivers can switch without refusing any; `--grace 0` drops
 * it at once (a leaked secret). Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '@quire/config';
import { WebhookRepository } from '@quire/job-model';
import { generateWebhookSecret, parseSecretKey, sealSecret } from '@quire/webhooks';
import { runKeyCommand } from './key-command';
import { parseDuration } from './key-options';

const { QUIRE_WEBHOOK_SECRET_KEY } = loadConfig(
  z.object({ QUIRE_WEBHOOK_SECRET_KEY: z.string().min(1, 'is required to seal the secret') }).passthrough(),
);

await runKeyCommand('webhook-rotate-secret', async (ds) => {
  const { values } = parseArgs({
    options: { tenant: { type: 'string', default: 'default' }, grace: { type: 'string', default: '24h' } },
  });
  const graceMs = values.grace === '0' ? 0 : parseDuration(values.grace);
  const repo = new WebhookRepository(ds);
  const tenantId = await repo.tenantIdByName(values.tenant);
  if (!tenantId) throw new Error(`no tenant named "${values.tenant}" (create an API key for it first)`);
  const secret = generateWebhookSecret();
  await repo.rotateSecret(tenantId, sealSecret(parseSecretKey(QUIRE_WEBHOOK_SECRET_KEY), secret), graceMs);
  return { tenant: values.tenant, previousSecretValidForMs: graceMs, webhookSecret: secret };
});
