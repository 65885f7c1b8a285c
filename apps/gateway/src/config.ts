import { z } from 'zod';
import { baseAppSchema, env, loadConfig } from '@quire/config';
import { fairPublishingEnvFields } from '@quire/job-model';
import { AddressAllowList } from '@quire/webhooks';

/** Signature algorithms a JWKS can verify (asymmetric only: a shared secret is not a key set). */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** One identity provider whose JWTs the gateway accepts as bearer tokens (QUIRE_JWT_ISSUERS). */
export const jwtIssuerSchema = z
  .object({
    /** The exact `iss` claim of its tokens. */
    issuer: z.string().min(1),
    /** The `aud` the tokens must carry (one of these). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** The provider's key set, fetched (and refreshed when an unknown `kid` turns up)... */
    jwksUrl: z.string().url().optional(),
    /** ...or read once at start from a file holding `{"keys": [...]}`. */
    jwksFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
    /** Tolerated clock difference for `exp`/`nbf`/`iat`, in seconds. */
    clockToleranceSec: z.number().int().min(0).max(600).default(30),
    /** Which claims hold the tenant name, the user id and the role. */
    claims: z
      .object({
        tenant: z.string().min(1).default('tenant'),
        user: z.string().min(1).default('sub'),
        role: z.string().min(1).default('role'),
      })
      .strict()
      .default({}),
    /** Role-claim values (a string or any element of an array) that make the caller a tenant admin. */
    adminRoles: z.array(z.string().min(1)).default(['admin']),
    /** Prepended to the tenant claim, so that two providers cannot name the same tenant by accident. */
    tenantPrefix: z.string().max(32).default(''),
  })
  .strict()
  .refine((i) => (i.jwksUrl === undefined) !== (i.jwksFile === undefined), {
    message: 'exactly one of jwksUrl and jwksFile',
  });

export type JwtIssuerConfig = z.infer<typeof jwtIssuerSchema>;

/** A JSON array of issuers in one variable; absent or empty: API keys only. */
const jwtIssuersFromEnv = z
  .string()
  .optional()
  .transform((raw, ctx): unknown => {
    if (!raw?.trim()) return [];
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON array of issuers' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(jwtIssuerSchema).superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [i, item] of list.entries()) {
        if (seen.has(item.issuer))
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'issuer'], message: 'issuer listed twice' });
        seen.add(item.issuer);
      }
    }),
  );
/** One tenant's overrides of the fair-sharing limits (QUIRE_TENANT_LIMITS). */
export const tenantLimitOverrideSchema = z
  .object({
    submitRate: z.number().int().positive(),
    maxActiveJobs: z.number().int().positive(),
    storageBytes: z.number().int().positive(),
    maxEventStreams: z.number().int().positive(),
  })
  .partial()
  .strict();

/** The gateway's whole configuration (docs/architecture.md §7); validated at start, every problem reported at once. */
export const gatewayConfigSchema = baseAppSchema.extend({
  PORT: env.port(3000),
  /**
   * When set, this key is created (or kept) at start as the platform operator's key (tenant `default`): every
   * tenant's dead letters, queue-wide operations and maintenance runs.
   */
  QUIRE_BOOTSTRAP_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Per-file upload limit; larger uploads are cut off with 413. Default 100 MiB. */
  QUIRE_MAX_UPLOAD_BYTES: env.bytes(100 * 1024 * 1024),
  /** All files of one request together. Default 500 MiB. */
  QUIRE_MAX_TOTAL_UPLOAD_BYTES: env.bytes(500 * 1024 * 1024),
  /** Files per request. Default 50. */
  QUIRE_MAX_FILES: env.int(50),
  /** How often the outbox sweeper re-publishes rows the immediate relay did not send. */
  QUIRE_OUTBOX_SWEEP_MS: env.int(2_000),
  /** Fair publishing: a tenant's unclaimed messages per queue (docs/architecture.md §11 (tenancy and fair sharing)). */
  ...fairPublishingEnvFields,
  /**
   * A `processing` job whose heartbeat is older than this has no live worker: replaying its dead letter takes it
   * back. The same figure as the workers' QUIRE_STALE_AFTER_MS.
   */
  QUIRE_STALE_AFTER_MS: env.int(30_000),
  /**
   * Callback URLs (docs/architecture.md (webhooks)) may not name private, loopback, link-local, unique-local,
   * multicast, CGNAT or metadata addresses; these comma-separated CIDRs, IPs or host names are the exceptions
   * (e.g. `10.20.0.0/16,hooks.internal`). The maintenance worker, which delivers, reads the same variable.
   */
  QUIRE_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        AddressAllowList.parse(value);
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }),
  /** Public base URL used in links; default derived from the request. */
  QUIRE_PUBLIC_URL: z.string().url().optional(),
  /** Time a client has to send a request's headers (slowloris). Default 30 s. */
  QUIRE_HTTP_HEADERS_TIMEOUT_MS: env.int(30_000),
  /** Time a client has to send a whole request, body included: 500 MiB at ~0.6 MB/s. Default 15 min. */
  QUIRE_HTTP_REQUEST_TIMEOUT_MS: env.int(15 * 60_000),
  /**
   * A connection on which nothing moves (no byte in or out) for this long is closed: a client that sends headers
   * and then nothing, or stops in the middle of a body, frees its socket and upload here. Default 60 s.
   */
  QUIRE_HTTP_IDLE_TIMEOUT_MS: env.int(60_000),
  /** Deadline of decrypting one `redact` upload with its `password` (MuPDF child). Default 60 s. */
  QUIRE_DECRYPT_TIMEOUT_MS: env.int(60_000),
  /**
   * Identity providers whose JWTs are accepted besides API keys: a JSON array of
   * `{issuer, audience, jwksUrl | jwksFile, algorithms?, clockToleranceSec?, claims?: {tenant, user, role},
   * adminRoles?, tenantPrefix?}`.
   */
  QUIRE_JWT_ISSUERS: jwtIssuersFromEnv,
  /**
   * Fair sharing (docs/architecture.md §11 (tenancy and fair sharing)); every limit is per tenant. Job submissions
   * (POST /v1/jobs/…) a tenant may make per window, counted in PostgreSQL across replicas. Default 600 per minute.
   */
  QUIRE_TENANT_SUBMIT_RATE: env.int(600),
  /** The submission rate's fixed window. Default 60 s. */
  QUIRE_TENANT_RATE_WINDOW_MS: env.int(60_000),
  /** Unfinished jobs (pending, processing, retrying) a tenant may hold. Default 200. */
  QUIRE_TENANT_MAX_ACTIVE_JOBS: env.int(200),
  /** Bytes of inputs and outputs of a tenant's unexpired jobs; an upload beyond it gets 413. Default 20 GiB. */
  QUIRE_TENANT_STORAGE_BYTES: env.bytes(20 * 1024 ** 3),
  /** Open event streams (GET /v1/jobs/{id}/events) per tenant on one gateway process. Default 20. */
  QUIRE_TENANT_MAX_EVENT_STREAMS: env.int(20),
  /** The Retry-After sent with a full job quota or stream cap (nothing says when a slot frees). Default 5 s. */
  QUIRE_TENANT_BUSY_RETRY_AFTER_MS: env.int(5_000),
  /**
   * Per-tenant overrides as JSON: `{"<tenant id>": {"submitRate": 50, "maxActiveJobs": 10, "storageBytes": 1e9,
   * "maxEventStreams": 5}}`; any limit left out keeps its default.
   */
  QUIRE_TENANT_LIMITS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (!raw?.trim()) return {};
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().uuid(), tenantLimitOverrideSchema)),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(source?: Record<string, string | undefined>): GatewayConfig {
  return loadConfig(
    gatewayConfigSchema.superRefine((c, ctx) => {
      // Node refuses a headers timeout above the request timeout; say so by name instead of failing at listen.
      if (c.QUIRE_HTTP_HEADERS_TIMEOUT_MS > c.QUIRE_HTTP_REQUEST_TIMEOUT_MS)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['QUIRE_HTTP_HEADERS_TIMEOUT_MS'],
          message: 'must not exceed QUIRE_HTTP_REQUEST_TIMEOUT_MS',
        });
      // Quiet event streams (GET /v1/jobs/{id}/events) send a keep-alive every 15 s.
      if (c.QUIRE_HTTP_IDLE_TIMEOUT_MS < 20_000)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['QUIRE_HTTP_IDLE_TIMEOUT_MS'],
          message: 'must be at least 20000 (event streams send a keep-alive every 15 s)',
        });
    }),
    source, // undefined: the process environment
  );
}
