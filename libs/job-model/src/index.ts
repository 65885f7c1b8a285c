/**
 * @quire/job-model: the shared job model. Entities and committed migrations, the repositories that are the only
 * database access, the job state machine, and the job catalog (types, zod params and results, type → queue).
 */
export {
  createDataSource,
  initializeWithRetry,
  runMigrations,
  ENTITIES,
  MIGRATIONS,
  type DatabaseOptions,
} from './data-source';
export {
  JobEntity,
  type JobChunk,
  type JobProgress,
  type JobError,
  type JobInput,
} from './entities/job.entity';
export { JobEventEntity } from './entities/job-event.entity';
export { TenantEntity, ApiKeyEntity, API_KEY_ROLES, type ApiKeyRole } from './entities/tenant.entity';
export {
  JobRepository,
  JOBS_EXCHANGE,
  InvalidCursorError,
  WORKER_LOST,
  type StaleRecovery,
  type ClaimResult,
  type NewJob,
  type JobListFilter,
  type LeaseWrite,
} from './repositories/job.repository';
export { planChunks, type ParentSettlement } from './repositories/fan-out';
export {
  OutboxRepository,
  DEFAULT_FAIR_PUBLISH_CAP,
  OUTBOX_SLOT_CHANNEL,
  type OutboxMessage,
  type OutboxPublishOutcome,
  type FairPublishing,
  type DrainOutcome,
} from './repositories/outbox.repository';
export { OutboxWakeup, type OutboxWakeupOptions } from './repositories/outbox-wakeup';
export { fairPublishingEnvFields, fairPublishingFrom } from './repositories/fair-publishing-config';
export {
  MaintenanceRepository,
  SYSTEM_TENANT,
  type SystemJobRequest,
  type StaleJob,
  type RetentionMode,
} from './repositories/maintenance.repository';
export { TenantRateEntity } from './entities/tenant-rate.entity';
export {
  TenantQuotaRepository,
  ActiveJobQuotaError,
  type WindowCount,
  type TenantUsage,
} from './repositories/tenant-quota.repository';
export { AdvisoryLock, advisoryLockKey, type AdvisoryLockOptions } from './repositories/advisory-lock';
export {
  ApiKeyRepository,
  generateApiKey,
  hashApiKey,
  keyPrefix,
  type ApiKeyListing,
  type KeyCheck,
  type KeyOptions,
  type KeyRejection,
  type Principal,
} from './repositories/api-key.repository';
export {
  JOB_STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  isTerminal,
  sourcesOf,
  type JobStatus,
} from './state-machine';
export {
  jobParamSchemas,
  JOB_CATALOG,
  JOB_TYPES,
  QUEUES,
  QUEUE_MAX_ATTEMPTS,
  COMPRESSION_PRESETS,
  OCR_LANGUAGES,
  isJobType,
  jobTypesOfQueue,
  jobMessageSchema,
  paramsProblemForInputs,
  type JobType,
  type JobParams,
  type QueueName,
  type JobTypeSpec,
  type JobMessage,
  type CompressionPreset,
} from './catalog/job-catalog';
export {
  PAGE_RANGE_LIMITS,
  listPages,
  mergePageRanges,
  parsePageRanges,
  selectPages,
  type PageRange,
  type PageSelection,
} from './catalog/page-ranges';
export {
  jobResultSchemas,
  storedOutputSchema,
  type JobResult,
  type StoredOutput,
} from './catalog/job-results';
export {
  RedactionAuditRepository,
  type RedactionAuditOutcome,
  type RedactionAuditRecord,
  type RedactionAuditSubmission,
} from './repositories/redaction-audit.repository';
export {
  CALLBACK_EVENTS,
  DELIVERY_STATUSES,
  TenantWebhookEntity,
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  type CallbackEvent,
  type DeliveryStatus,
} from './entities/webhook.entity';
export {
  WebhookRepository,
  jobFromSnapshot,
  type AttemptRecord,
  type CallbackListing,
  type DeliveryNext,
  type DueDelivery,
  type SealedSecrets,
} from './repositories/webhook.repository';
export { callbackEventsOf, presentJob, presentResult } from './presentation/job-json';
