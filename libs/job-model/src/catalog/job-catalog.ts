import { z } from 'zod';
import {
  compileCustomRecognisers,
  customRecognisersSchema,
  piiTypeSchema,
  PII_TYPES,
  type CustomRecognisers,
} from '@quire/redaction';
import { categorizationRulesSchema, compileRules, type CategorizationRule } from '@quire/statement-analysis';
import { PAGE_RANGE_LIMITS, parsePageRanges } from './page-ranges';

/**
 * Page-range string validated at the gateway with the same parser the workers use; its length and number of ranges
 * are bounded (PAGE_RANGE_LIMITS) so a hostile selection is a 400 before any worker sees it.
 */
const pageRangeString = z
  .string()
  .max(PAGE_RANGE_LIMITS.maxLength)
  .superRefine((value, ctx) => {
    const parsed = parsePageRanges(value);
    if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.problem });
  });

export const COMPRESSION_PRESETS = ['lossless', 'screen', 'ebook', 'printer', 'prepress'] as const;
export type CompressionPreset = (typeof COMPRESSION_PRESETS)[number];

/** OCR languages the ocr worker ships models for (`@tesseract.js-data/*` packages; Tesseract codes). */
export const OCR_LANGUAGES = ['eng', 'deu', 'fra', 'spa', 'ita', 'por'] as const;

/** Files one merge takes (also its `maxFiles` in JOB_CATALOG). */
const MAX_MERGE_FILES = 50;
/** Parts one split by ranges may ask for (the conversion worker's default output limit per job). */
const MAX_SPLIT_RANGES = 1_000;

/** Rules are checked as the worker will run them (regexes compiled, value types), so a bad rule is a 400 at once. */
function rulesCompile(params: { rules?: CategorizationRule[] }, ctx: z.RefinementCtx): void {
  if (!params.rules) return;
  try {
    compileRules(params.rules);
  } catch (err) {
    const problems = (err as { details?: { problems?: string[] } }).details?.problems ?? [String(err)];
    for (const problem of problems)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['rules'], message: problem });
  }
}

/** A job id of the same tenant whose completed result is this job's input. */
const sourceJobId = () => z.string().uuid({ message: 'sourceJobId must be a job id (UUID)' });

/**
 * Custom recognisers are compiled as the worker will compile them (RE2, size-bounded), so an invalid or
 * unsupported regex is a 400 naming it (`custom.regexes.<i>.pattern`) at once.
 */
function customCompiles(params: { custom?: CustomRecognisers | undefined }, ctx: z.RefinementCtx): void {
  if (!params.custom) return;
  try {
    compileCustomRecognisers(params.custom, 'custom');
  } catch (err) {
    // The message starts with the field it is about ("custom.regexes[1].pattern: …"): that becomes the issue's path.
    const message = err instanceof Error ? err.message : String(err);
    const at = /^([\w.[\]]+): (.*)$/s.exec(message);
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: at?.[1] ? at[1].split(/[.[\]]+/).filter(Boolean) : ['custom'],
      message: at?.[2] ?? message,
    });
  }
}

/** Boxes one `redact` job may be given to apply (a reviewer's edited list from a `detect` result). */
export const MAX_REDACTION_BOXES = 10_000;

/**
 * A box on a page: `[x, y, width, height]` in points from the top-left corner of the page as displayed (crop box,
 * rotation applied), the space `detect` results report boxes in.
 */
const redactionBox = z
  .object({
    page: z.number().int().positive().max(PAGE_RANGE_LIMITS.maxPageNumber),
    box: z.tuple([
      z.number().finite(),
      z.number().finite(),
      z.number().finite().positive(),
      z.number().finite().positive(),
    ]),
    /** What the box hides (for the audit record); `custom` when absent. */
    type: piiTypeSchema.optional(),
  })
  .strict();

const redactParams = z
  .object({
    /** `redact` writes a redacted document; `detect` only reports what it would redact (for a reviewer). */
    mode: z.enum(['redact', 'detect']).default('redact'),
    /** Which kinds of personal data to look for; all by default. */
    types: z.array(piiTypeSchema).min(1).max(PII_TYPES.length).optional(),
    /** Detections below this confidence (0–1) are neither reported nor redacted. */
    minConfidence: z.number().min(0).max(1).default(0.5),
    /** ISO 3166 alpha-2 country national phone numbers are read as (e.g. "DE"). */
    region: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code such as "DE"')
      .optional(),
    /** The job's own terms, regexes and allow-list. */
    custom: customRecognisersSchema.optional(),
    /** OCR languages for scanned pages and images. */
    languages: z.array(z.enum(OCR_LANGUAGES)).min(1).max(4).default(['eng']),
    /**
     * Apply exactly `boxes` to the document of this completed `detect` job (no upload): the reviewer's edited list.
     */
    sourceJobId: sourceJobId().optional(),
    boxes: z.array(redactionBox).max(MAX_REDACTION_BOXES).optional(),
    /**
     * Opens an encrypted PDF. Never stored: the gateway decrypts the upload with it and drops it from the params
     * before the job is written (docs/architecture.md §13 (redaction)).
     */
    password: z.string().min(1).max(1024).optional(),
    /** `false`: the uploaded document is deleted as soon as the job ends (completed or failed for good). */
    keepInput: z.boolean().default(true),
  })
  .strict()
  .superRefine(customCompiles)
  .superRefine((params, ctx) => {
    if (params.boxes && !params.sourceJobId)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['boxes'],
        message: 'boxes apply to the document of a detect job: give its sourceJobId too',
      });
    if (params.sourceJobId && !params.boxes)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['boxes'],
        message: 'with sourceJobId, give the boxes to apply (edited from its detections)',
      });
    if (params.sourceJobId && params.mode !== 'redact')
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['mode'],
        message: 'a job with sourceJobId applies boxes: mode must be "redact"',
      });
  });

const compressionParams = z.object({ preset: z.enum(COMPRESSION_PRESETS).default('lossless') }).strict();

/**
 * Parameter schemas per job type (docs/architecture.md §7); `.strict()` so unknown keys are a 400. Beside them, in
 * job-results.ts: `jobResultSchemas`, what each type's worker returns.
 */
export const jobParamSchemas = {
  compress: compressionParams,
  'bulk-compress': compressionParams,
  'convert-to-images': z
    .object({
      format: z.enum(['png', 'jpeg']).default('png'),
      dpi: z.number().int().min(36).max(600).default(150),
      pages: pageRangeString.optional(),
      quality: z.number().int().min(1).max(100).default(85),
    })
    .strict(),
  // One range per file: bounded by merge's maxFiles (JOB_CATALOG).
  merge: z.object({ ranges: z.array(pageRangeString).max(MAX_MERGE_FILES).optional() }).strict(),
  split: z.discriminatedUnion('mode', [
    // One output per range: bounded like the workers' default output limit per job.
    z
      .object({ mode: z.literal('ranges'), ranges: z.array(pageRangeString).min(1).max(MAX_SPLIT_RANGES) })
      .strict(),
    z
      .object({
        mode: z.literal('every'),
        every: z.number().int().min(1).max(PAGE_RANGE_LIMITS.maxPageNumber),
      })
      .strict(),
    z.object({ mode: z.literal('pages') }).strict(),
  ]),
  ocr: z
    .object({
      languages: z.array(z.enum(OCR_LANGUAGES)).min(1).max(4).default(['eng']),
      mode: z.enum(['skip-text', 'force', 'redo']).default('skip-text'),
      rotate: z.boolean().default(false),
      deskew: z.boolean().default(false),
    })
    .strict(),
  'extract-text': z
    .object({ pages: pageRangeString.optional(), ocr: z.enum(['auto', 'never', 'always']).default('auto') })
    .strict(),
  'extract-invoice': z
    .object({
      mode: z.enum(['auto', 'layout', 'llm']).default('auto'),
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    })
    .strict(),
  'extract-bank-statement': z
    .object({
      mode: z.enum(['auto', 'layout', 'llm']).default('auto'),
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
      /** Categorise the transactions at once (as `categorize-transactions` would); the result gains `totals`. */
      rules: categorizationRulesSchema.optional(),
    })
    .strict()
    .superRefine(rulesCompile),
  // Operator-run maintenance params are bounded: at least an hour, so a run never removes the temp files or
  // partial uploads of work in progress; at most 30 days. No task takes a path or a tenant.
  // Jobs whose input is another job's result (JOB_CATALOG `source`): no upload, a JSON body.
  'categorize-transactions': z
    .object({ sourceJobId: sourceJobId(), rules: categorizationRulesSchema.min(1) })
    .strict()
    .superRefine(rulesCompile),
  'statement-report': z
    .object({
      sourceJobId: sourceJobId(),
      format: z.enum(['xlsx', 'csv']).default('xlsx'),
      includeVat: z.boolean().default(false),
    })
    .strict(),
  redact: redactParams,
  'cleanup-temp-files': z.object({ maxAgeHours: z.number().min(1).max(720).optional() }).strict(),
  'cleanup-expired-jobs': z.object({}).strict(),
  'health-check': z.object({}).strict(),
  'recover-stuck-jobs': z.object({}).strict(),
} as const;

export type JobType = keyof typeof jobParamSchemas;
export type JobParams<T extends JobType> = z.infer<(typeof jobParamSchemas)[T]>;

export const QUEUES = [
  'compression',
  'conversion',
  'ocr',
  'ai-extraction',
  'maintenance',
  'redaction',
] as const;
export type QueueName = (typeof QUEUES)[number];

/**
 * Attempts a job gets on each queue: the first one plus its retries. The single source of this figure: each
 * worker's queue policy takes its `maxAttempts` from here, and the stuck-job recovery (maintenance worker) and
 * dead-letter replay (gateway) read the same table, so they can never disagree with the workers.
 */
export const QUEUE_MAX_ATTEMPTS: Readonly<Record<QueueName, number>> = {
  compression: 4,
  conversion: 4,
  ocr: 4,
  // AI tasks retry twice (the seeds): an LLM 429/5xx/timeout is retried, honouring Retry-After.
  'ai-extraction': 3,
  // Maintenance tasks never retry: a failed run simply runs again at its next tick.
  maintenance: 1,
  // Redaction retries three times (the issue's policy); a memory error at most once (the worker's policy file).
  redaction: 4,
};

/** What a job type accepts as uploads. `kinds`: which sniffed file kinds are allowed. */
export interface JobTypeSpec {
  queue: QueueName;
  /** Submitted by clients through POST /v1/jobs/{type}; maintenance tasks are admin-only. */
  public: boolean;
  /** Implemented by its worker. Unavailable types answer 404 at the gateway and need no handler yet. */
  available: boolean;
  minFiles: number;
  maxFiles: number;
  kinds: readonly ('pdf' | 'image')[];
  /**
   * For job types whose input is another job's result (`params.sourceJobId`, no upload): the job types that result
   * may come from. The gateway checks the source is the caller's, completed, of one of these types, and not expired.
   */
  source?: readonly JobType[];
}

/** A public job type that takes uploaded documents (one unless `files` says otherwise). */
function documents(
  queue: QueueName,
  kinds: JobTypeSpec['kinds'],
  files: { minFiles?: number; maxFiles?: number } = {},
): JobTypeSpec {
  return {
    queue,
    available: true,
    public: true,
    minFiles: files.minFiles ?? 1,
    maxFiles: files.maxFiles ?? 1,
    kinds,
  };
}

/** A maintenance task: admin-only, no upload. */
const MAINTENANCE_TASK: JobTypeSpec = {
  queue: 'maintenance',
  available: true,
  public: false,
  minFiles: 0,
  maxFiles: 0,
  kinds: [],
};

/** The statement analyzer's jobs: no upload, their input is a completed extraction or categorisation. */
const STATEMENT_ANALYSIS_JOB: JobTypeSpec = {
  queue: 'ai-extraction',
  available: true,
  public: true,
  minFiles: 0,
  maxFiles: 0,
  kinds: [],
  source: ['extract-bank-statement', 'categorize-transactions'],
};

/** The job-type → queue table, defined once. */
export const JOB_CATALOG: Readonly<Record<JobType, JobTypeSpec>> = {
  compress: documents('compression', ['pdf']),
  'bulk-compress': documents('compression', ['pdf'], { maxFiles: 50 }),
  'convert-to-images': documents('conversion', ['pdf']),
  merge: documents('conversion', ['pdf'], { minFiles: 2, maxFiles: MAX_MERGE_FILES }),
  split: documents('conversion', ['pdf']),
  ocr: documents('ocr', ['pdf', 'image']),
  'extract-text': documents('ocr', ['pdf', 'image']),
  'extract-invoice': documents('ai-extraction', ['pdf', 'image']),
  'extract-bank-statement': documents('ai-extraction', ['pdf', 'image']),
  'categorize-transactions': STATEMENT_ANALYSIS_JOB,
  'statement-report': STATEMENT_ANALYSIS_JOB,
  // An upload, or (JSON body with `sourceJobId`) the document of a completed `detect` job.
  redact: { ...documents('redaction', ['pdf', 'image']), source: ['redact'] },
  'cleanup-temp-files': MAINTENANCE_TASK,
  'cleanup-expired-jobs': MAINTENANCE_TASK,
  'health-check': MAINTENANCE_TASK,
  'recover-stuck-jobs': MAINTENANCE_TASK,
};

export const JOB_TYPES = Object.keys(JOB_CATALOG) as JobType[];

export function isJobType(value: string): value is JobType {
  return Object.prototype.hasOwnProperty.call(JOB_CATALOG, value);
}

/** Job types a queue's worker must handle; a worker refuses to start without a handler for each. */
export function jobTypesOfQueue(queue: QueueName): JobType[] {
  return JOB_TYPES.filter((t) => JOB_CATALOG[t].queue === queue && JOB_CATALOG[t].available);
}

/**
 * What a params schema alone cannot check: params against the number of uploaded files (e.g. merge's `ranges`, one
 * per file). Returns the problem, phrased for the client, or null. The gateway answers 400 with it; workers
 * re-check.
 */
export function paramsProblemForInputs(
  type: JobType,
  params: Record<string, unknown>,
  files: number,
): string | null {
  if (type === 'merge') {
    const ranges = (params as JobParams<'merge'>).ranges;
    if (ranges && ranges.length !== files)
      return `ranges: give one page range per file (${files} files, ${ranges.length} ranges)`;
  }
  return null;
}

/** The message body (docs/architecture.md §4): the job's input lives in the DB, never in the message. */
export const jobMessageSchema = z.object({
  jobId: z.string().uuid(),
  type: z.string().refine(isJobType, 'unknown job type'),
  correlationId: z.string().min(1),
  /** W3C traceparent the worker continues (docs/architecture.md (tracing)); absent in older messages. */
  traceparent: z.string().max(55).optional(),
});
export type JobMessage = { jobId: string; type: JobType; correlationId: string; traceparent?: string };
