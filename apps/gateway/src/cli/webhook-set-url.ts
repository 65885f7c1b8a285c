/**
 * Sets (or clears) a tenant's default callback URL, used by its jobs submitted without one
 * (docs/architecture.md (webhooks)):
 *   npm run webhook:set-url -- --tenant acme --url https://hooks.acme.example/quire   |   --clear
 * The URL is checked like a job's (http/https, no credentials, no literal private address unless
 * QUIRE_WEBHOOK_ALLOW_PRIVATE allows it). Reads QUIRE_DATABASE_URL (default: the local stack's database).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '@quire/config';
import { WebhookRepository } from '@quire/job-model';
import { AddressAllowList, callbackUrlProblem } from '@quire/webhooks';
import { runKeyCommand } from './key-command';

const { QUIRE_WEBHOOK_ALLOW_PRIVATE } = loadConfig(
  z.object({ QUIRE_WEBHOOK_ALLOW_PRIVATE: z.string().default('') }).passthrough(),
);

await runKeyCommand('webhook-set-url', async (ds) => {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string', default: 'default' },
      url: { type: 'string' },
      clear: { type: 'boolean', default: false },
    },
  });
  if (values.clear === (values.url !== undefined))
    throw new Error('give exactly one of --url <url> and --clear');
  if (values.url !== undefined) {
    const problem = callbackUrlProblem(values.url, AddressAllowList.parse(QUIRE_WEBHOOK_ALLOW_PRIVATE));
    if (problem) throw new Error(`--url ${problem}`);
  }
  const repo = new WebhookRepository(ds);
  const tenantId = await repo.tenantIdByName(values.tenant);
  if (!tenantId) throw new Error(`no tenant named "${values.tenant}" (create an API key for it first)`);
  await repo.setDefaultUrl(tenantId, values.url ?? null);
  const settings = await repo.findTenantSettings(tenantId);
  return {
    tenant: values.tenant,
    callbackUrl: values.url ?? null,
    hasSigningSecret: Boolean(settings?.secretSealed),
  };
});
