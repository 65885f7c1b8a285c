import { z } from 'zod';

/** Thrown when the environment does not satisfy an app's schema; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment against one app's zod schema (keys are the env var names).
 * This is the only place in Quire that reads `process.env`.
 */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data as z.infer<S>;
}

const intFromEnv = (def: number) => z.coerce.number().int().positive().default(def);

/** Building blocks shared by the app schemas. */
export const env = {
  amqpUrl: z
    .string()
    .url()
    .refine((u) => u.startsWith('amqp://') || u.startsWith('amqps://'), 'must be an amqp:// or amqps:// URL'),
  databaseUrl: z
    .string()
    .url()
    .refine((u) => u.startsWith('postgres://') || u.startsWith('postgresql://'), 'must be a postgres:// URL'),
  storageDir: z.string().min(1),
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  logLevel: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  int: intFromEnv,
  bytes: (def: number) => z.coerce.number().int().positive().default(def),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
};

/** The variables every Quire app reads (docs/architecture.md §7). */
export const baseAppSchema = z.object({
  QUIRE_AMQP_URL: env.amqpUrl,
  QUIRE_DATABASE_URL: env.databaseUrl,
  QUIRE_STORAGE_DIR: env.storageDir,
  LOG_LEVEL: env.logLevel,
  /**
   * OpenTelemetry (docs/architecture.md (tracing)): the OTLP/HTTP collector base URL spans are sent to
   * (`<url>/v1/traces`). Absent: tracing is off and no SDK is loaded.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
});
