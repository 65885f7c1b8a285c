import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { JobEntity } from './entities/job.entity';
import { JobEventEntity } from './entities/job-event.entity';
import { OutboxEntity } from './entities/outbox.entity';
import { ApiKeyEntity, TenantEntity } from './entities/tenant.entity';
import { TenantRateEntity } from './entities/tenant-rate.entity';
import { OutboxTurnEntity } from './entities/outbox-turn.entity';
import { TenantWebhookEntity, WebhookAttemptEntity, WebhookDeliveryEntity } from './entities/webhook.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { JobExpiry1764300000000 } from './migrations/1764300000000-job-expiry';
import { OutboxDeferral1764400000000 } from './migrations/1764400000000-outbox-deferral';
import { ApiKeyLifecycle1764500000000 } from './migrations/1764500000000-api-key-lifecycle';
import { JobSubmitter1764700000000 } from './migrations/1764700000000-job-submitter';
import { TenantFairSharing1764800000000 } from './migrations/1764800000000-tenant-fair-sharing';
import { FairPublishing1765000000000 } from './migrations/1765000000000-fair-publishing';
import { RedactionAudit1765100000000 } from './migrations/1765100000000-redaction-audit';
import { JobFanOut1765200000000 } from './migrations/1765200000000-job-fan-out';
import { Webhooks1765300000000 } from './migrations/1765300000000-webhooks';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  JobEntity,
  JobEventEntity,
  OutboxEntity,
  TenantRateEntity,
  OutboxTurnEntity,
  TenantWebhookEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
];
/** Committed migrations in order; the schema never comes from `synchronize`. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  JobExpiry1764300000000,
  OutboxDeferral1764400000000,
  ApiKeyLifecycle1764500000000,
  JobSubmitter1764700000000,
  TenantFairSharing1764800000000,
  FairPublishing1765000000000,
  RedactionAudit1765100000000,
  JobFanOut1765200000000,
  Webhooks1765300000000,
];

export interface DatabaseOptions {
  /** Connection pool size per process. Default 10. */
  poolSize?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/** Creates (does not initialize) the DataSource every app uses. */
export function createDataSource(databaseUrl: string, options: DatabaseOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: options.applicationName ?? 'quire',
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 },
  });
}

/** Applies pending migrations (used by `npm start`, the k8s migration Job and the test setup). */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const ds = createDataSource(databaseUrl, { poolSize: 1, applicationName: 'quire-migrate' });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** The database may come up after the app (npm start, Kubernetes): retry with backoff instead of crash-looping. */
export async function initializeWithRetry(
  ds: DataSource,
  warn: (message: string, meta: Record<string, unknown>) => void,
  attempts = 60,
): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await ds.initialize();
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      warn('database not reachable yet; retrying', { err: String(err), attempt: i });
      await new Promise((r) => setTimeout(r, Math.min(500 * i, 5_000)));
    }
  }
}
