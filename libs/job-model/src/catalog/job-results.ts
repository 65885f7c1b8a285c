import { z } from 'zod';
import { PII_TYPES } from '@quire/redaction';
import { COMPRESSION_PRESETS, OCR_LANGUAGES, type JobType } from './job-catalog';

/**
 * Result schemas per job type: what each worker stores as `job.result` (the consumer runtime validates a handler's
 * result against its type's schema before completing the job) and, with storage keys replaced by download URLs,
 * what `GET /v1/jobs/{id}` and `/result` answer. `JobHandler<T>` returns `JobResult<T>`, so a handler returning
 * another shape does not compile. Objects are strict: a field no schema lists is a bug, not an extension; extend
 * the schema first (the HTTP contract only grows, see docs/architecture.md (HTTP contract)).
 */

const count = z.number().int().nonnegative();
/** A 1-based page number (page counts are `count`s: a document may report none). */
const pageNumber = z.number().int().positive();
const isoDateTime = z.string().datetime({ offset: true });
/** A calendar date as printed on a document, normalised to `YYYY-MM-DD`. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code');

/**
 * One stored output file. `key` is the storage key; it never leaves the gateway, which lists `url` instead
 * (`/v1/jobs/{id}/outputs/{name}`).
 */
export const storedOutputSchema = z
  .object({
    name: z.string().min(1),
    key: z.string().min(1),
    bytes: count,
    contentType: z.string().min(1),
  })
  .strict();

const pdfOutput = storedOutputSchema.extend({
  contentType: z.literal('application/pdf'),
  pages: count,
});

/** What qpdf repaired in damaged inputs on the way (its warnings, at most 10). */
const repairs = z.array(z.string()).max(10).optional();

const compressResult = z
  .object({
    preset: z.enum(COMPRESSION_PRESETS),
    inputBytes: count,
    outputBytes: count,
    /** outputBytes / inputBytes; never above 1 (the original is kept when Ghostscript's output is not smaller). */
    ratio: z.number().nonnegative(),
    pages: count,
    keptOriginal: z.boolean(),
    note: z.string().optional(),
    outputs: z.array(pdfOutput).length(1),
  })
  .strict();

const fileError = z.object({ code: z.string().min(1), message: z.string() }).strict();

const bulkCompressResult = z
  .object({
    preset: z.enum(COMPRESSION_PRESETS),
    files: count,
    succeeded: count,
    failed: count,
    inputBytes: count,
    outputBytes: count,
    ratio: z.number().nonnegative(),
    /** One per uploaded file, in upload order. */
    items: z.array(
      z
        .object({
          index: count,
          name: z.string(),
          /** Name of the file inside the ZIP (compressed files only). */
          entry: z.string().optional(),
          status: z.enum(['compressed', 'failed']),
          inputBytes: count.optional(),
          outputBytes: count.optional(),
          pages: count.optional(),
          ratio: z.number().nonnegative().optional(),
          keptOriginal: z.boolean().optional(),
          error: fileError.optional(),
        })
        .strict(),
    ),
    /** The files that failed, left out of the ZIP. */
    errors: z.array(
      z.object({ index: count, name: z.string(), code: z.string(), message: z.string() }).strict(),
    ),
    outputs: z
      .array(storedOutputSchema.extend({ contentType: z.literal('application/zip'), files: count }))
      .length(1),
  })
  .strict();

const convertToImagesResult = z
  .object({
    format: z.enum(['png', 'jpeg']),
    dpi: z.number().int().positive(),
    /** JPEG only. */
    quality: z.number().int().min(1).max(100).optional(),
    /** Pages of the document. */
    pageCount: count,
    /** Pages rendered (one image each). */
    pages: count,
    outputs: z.array(
      storedOutputSchema.extend({
        contentType: z.enum(['image/png', 'image/jpeg']),
        page: pageNumber,
        /** Pixels. */
        width: count,
        height: count,
      }),
    ),
  })
  .strict();

const mergeResult = z
  .object({
    /** Pages of the merged document. */
    pages: count,
    inputs: z.array(
      z
        .object({
          name: z.string(),
          pageCount: count,
          /** Pages taken from this file. */
          pages: count,
          /** Those pages in qpdf's range syntax (`1-3,5`). */
          range: z.string(),
        })
        .strict(),
    ),
    /** The file whose metadata and bookmarks the result keeps (the first). */
    metadataFrom: z.string().optional(),
    repairs,
    outputs: z.array(pdfOutput).length(1),
  })
  .strict();

const splitResult = z
  .object({
    mode: z.enum(['ranges', 'every', 'pages']),
    every: z.number().int().positive().optional(),
    pageCount: count,
    parts: count,
    repairs,
    outputs: z.array(pdfOutput.extend({ range: z.string() })),
  })
  .strict();

/** Inline text of all pages separated by form feeds, cut at 256 KiB (`textTruncated`); the full text is a file. */
const inlineText = { text: z.string(), textTruncated: z.boolean() };
const confidence = z.number().min(0).max(100);

const ocrResult = z
  .object({
    mode: z.enum(['skip-text', 'force', 'redo']),
    languages: z.array(z.enum(OCR_LANGUAGES)),
    pageCount: count,
    pagesOcred: count,
    averageConfidence: confidence.optional(),
    note: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    pages: z.array(
      z.discriminatedUnion('source', [
        z
          .object({
            page: pageNumber,
            source: z.literal('ocr'),
            confidence,
            chars: count,
            /** Degrees the page was turned to be upright (`rotate: true`). */
            rotated: z.number().int().optional(),
          })
          .strict(),
        z.object({ page: pageNumber, source: z.literal('text-layer'), chars: count }).strict(),
      ]),
    ),
    ...inlineText,
    outputs: z.array(pdfOutput).length(1),
  })
  .strict();

const extractTextResult = z
  .object({
    ocr: z.enum(['auto', 'never', 'always']),
    pageCount: count,
    pages: z.array(
      z
        .object({
          page: pageNumber,
          source: z.enum(['text-layer', 'ocr', 'none']),
          chars: count,
          confidence: confidence.optional(),
        })
        .strict(),
    ),
    /** Pages with no text at all. */
    warnings: z.array(z.string()).optional(),
    ...inlineText,
    outputs: z
      .array(storedOutputSchema.extend({ contentType: z.literal('text/plain; charset=utf-8') }))
      .length(1),
  })
  .strict();

// ---- AI extraction (queue ai-extraction) ----
// Field for field what @quire/extraction reads (libs/extraction/src/types.ts): a value the document does not show is
// null; dates are YYYY-MM-DD; amounts are numbers, signed on statements (negative = money out).

/** The checks run over the extracted figures (totals add up, balances carry over, …). */
const extractionValidation = z
  .object({
    passed: z.boolean(),
    checks: z.array(
      z
        .object({
          name: z.string().min(1),
          passed: z.boolean(),
          detail: z.string(),
          /** Nothing to check (no running balance, no IBAN): `passed` is then true. */
          skipped: z.boolean().optional(),
        })
        .strict(),
    ),
  })
  .strict();

const extractionCommon = {
  validation: extractionValidation,
  warnings: z.array(z.string()),
  /** The extracted data in the requested `format` (json, csv or xlsx). */
  outputs: z.array(storedOutputSchema),
  /** Pages of the document, and where each page's words came from. */
  pageCount: count.optional(),
  pages: z
    .array(
      z
        .object({
          page: pageNumber,
          source: z.enum(['text-layer', 'ocr', 'none']),
          /** OCR only: mean word confidence, 0–100. */
          confidence: z.number().optional(),
        })
        .strict(),
    )
    .optional(),
  /** Fields on which the layout reader and the LLM disagree (when both read the document). */
  comparison: z
    .array(
      z
        .object({
          field: z.string().min(1),
          layout: z.union([z.string(), z.number()]).nullable(),
          llm: z.union([z.string(), z.number()]).nullable(),
        })
        .strict(),
    )
    .optional(),
  /** The LLM's model and token usage, when it was asked (`requests`: 2 when its first answer was invalid). */
  llm: z
    .object({ model: z.string(), promptTokens: count, completionTokens: count, requests: count })
    .strict()
    .optional(),
};

/** What read the document: the layout reader, the LLM, or both (layout first, the LLM to fill in or confirm). */
const extractionMethod = ['layout', 'llm', 'both'] as const;

const statementTransaction = z
  .object({
    date: isoDate,
    description: z.string(),
    /** Signed: money in positive, money out negative. */
    amount: z.number(),
    /** The running balance printed on the row, when the statement prints one. */
    balance: z.number().nullable(),
    /** The page the row starts on. */
    page: pageNumber.optional(),
    /** The category given by the first matching rule (`categorize-transactions`), or `uncategorized`. */
    category: z.string().optional(),
  })
  .strict();

/** An extracted bank statement (the contract's `result.statement`). */
const statementSchema = z
  .object({
    bank: z.string().nullable(),
    accountNumber: z.string().nullable(),
    currency: currencyCode.nullable(),
    openingBalance: z.number().nullable(),
    closingBalance: z.number().nullable(),
    periodStart: isoDate.nullable(),
    periodEnd: isoDate.nullable(),
    transactions: z.array(statementTransaction),
  })
  .strict();

/** Per category (rule order, then `uncategorized`): transactions and their exact sum. */
const categoryTotals = z.array(z.object({ category: z.string(), count, amount: z.number() }).strict());

const extractBankStatementResult = z
  .object({
    statement: statementSchema,
    /** When `params.rules` were given: the transactions carry their category, and these are the totals. */
    totals: categoryTotals.optional(),
    method: z.enum(extractionMethod),
    /** Printed rows read but not taken as transactions (balances carried, totals), and why. */
    skippedRows: z
      .array(z.object({ page: pageNumber, text: z.string(), reason: z.string() }).strict())
      .optional(),
    ...extractionCommon,
  })
  .strict();

// ---- the statement analyzer: jobs whose input is a completed extraction (params.sourceJobId) ----

const categorizeTransactionsResult = z
  .object({
    sourceJobId: z.string().uuid(),
    /** The source's statement, every transaction with its `category`. */
    statement: statementSchema,
    totals: categoryTotals,
    outputs: z.array(storedOutputSchema).max(0),
  })
  .strict();

const groupTotal = z
  .object({
    key: z.string(),
    count,
    moneyIn: z.number(),
    moneyOut: z.number(),
    net: z.number(),
    vat: z.number().optional(),
  })
  .strict();

const statementReportResult = z
  .object({
    sourceJobId: z.string().uuid(),
    format: z.enum(['xlsx', 'csv']),
    includeVat: z.boolean(),
    /** The rate VAT was split at (the worker's QUIRE_REPORT_VAT_RATE_PERCENT), when `includeVat`. */
    vatRatePercent: z.number().optional(),
    transactions: count,
    byCategory: z.array(groupTotal),
    byMonth: z.array(groupTotal),
    outputs: z
      .array(
        storedOutputSchema.extend({
          contentType: z.enum([
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            'text/csv; charset=utf-8',
          ]),
        }),
      )
      .length(1),
  })
  .strict();

const extractInvoiceResult = z
  .object({
    invoice: z
      .object({
        issuer: z.string().nullable(),
        issuerVatId: z.string().nullable(),
        invoiceNumber: z.string().nullable(),
        issueDate: isoDate.nullable(),
        dueDate: isoDate.nullable(),
        currency: currencyCode.nullable(),
        subtotal: z.number().nullable(),
        tax: z.number().nullable(),
        total: z.number().nullable(),
        iban: z.string().nullable(),
        lines: z.array(
          z
            .object({
              description: z.string(),
              quantity: z.number().nullable(),
              unitPrice: z.number().nullable(),
              amount: z.number().nullable(),
            })
            .strict(),
        ),
        /** Tax per rate (rate in percent), when the invoice breaks it down. */
        taxes: z
          .array(
            z
              .object({ rate: z.number().nullable(), base: z.number().nullable(), amount: z.number() })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    /** `xml`: read from the e-invoice (Factur-X / ZUGFeRD / XRechnung / UBL) embedded in the PDF. */
    method: z.enum([...extractionMethod, 'xml']),
    ...extractionCommon,
  })
  .strict();

// ---- maintenance tasks (admin only) ----

const cleanupTempFilesResult = z
  .object({
    maxAgeHours: z.number().positive(),
    cutoff: isoDateTime,
    filesFreed: count,
    bytesFreed: count,
    tempFiles: z
      .object({
        root: z.string(),
        files: count,
        dirs: count,
        bytes: count,
        /** Job folders left alone because their job is processing. */
        protectedJobs: count,
        errors: count,
        errorSamples: z.array(z.string()),
      })
      .strict(),
    storagePartials: z.object({ files: count, bytes: count, protected: count, errors: count }).strict(),
    /** Job folders in storage with no job row (e.g. an upload cut off when the gateway died), removed once idle. */
    orphanedJobFolders: z.object({ folders: count, files: count, bytes: count, errors: count }).strict(),
  })
  .strict();

const perFinishedStatus = <S extends z.ZodTypeAny>(value: S) =>
  z.object({ completed: value, failed: value, cancelled: value }).strict();

const cleanupExpiredJobsResult = z
  .object({
    mode: z.enum(['mark', 'delete']),
    retentionDays: perFinishedStatus(z.number().nonnegative()),
    /** Jobs of each status finished before this instant were expired. */
    cutoffs: perFinishedStatus(isoDateTime),
    expired: perFinishedStatus(count),
    jobsExpired: count,
    bytesFreed: count,
    fileErrors: count,
    /** The batch limit was reached: more expired jobs are left for the next run. */
    moreRemaining: z.boolean(),
  })
  .strict();

const latency = z.number().nonnegative();
const diskRole = z.enum(['temp', 'storage']);

const healthCheckResult = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checkedAt: isoDateTime,
    problems: z.array(z.string()),
    broker: z.object({ reachable: z.boolean(), latencyMs: latency, error: z.string().optional() }).strict(),
    database: z
      .object({ reachable: z.boolean(), latencyMs: latency.nullable(), error: z.string().optional() })
      .strict(),
    queues: z
      .object({
        available: z.boolean(),
        error: z.string().optional(),
        items: z.array(
          z
            .object({
              queue: z.string(),
              declared: z.boolean(),
              messages: count,
              ready: count,
              unacked: count,
              consumers: count,
              deadLetters: count,
            })
            .strict(),
        ),
      })
      .strict(),
    disk: z.array(
      z.union([
        z
          .object({
            role: diskRole,
            path: z.string(),
            totalBytes: count,
            freeBytes: count,
            freePercent: z.number().min(0).max(100),
            low: z.boolean(),
          })
          .strict(),
        z.object({ role: diskRole, path: z.string(), error: z.string() }).strict(),
      ]),
    ),
    staleJobs: z
      .object({
        staleAfterMs: count,
        count,
        jobs: z.array(
          z
            .object({
              id: z.string(),
              type: z.string(),
              queue: z.string(),
              attempts: count,
              heartbeatAt: isoDateTime.nullable(),
            })
            .strict(),
        ),
      })
      .strict(),
    earlyCleanup: z
      .object({ triggered: z.boolean(), jobId: z.string().optional(), reason: z.string().optional() })
      .strict(),
  })
  .strict();

const recoveryOutcome = z.enum(['retrying', 'failed', 'cancelled']);

const recoverStuckJobsResult = z
  .object({
    stuckAfterMs: count,
    /** Jobs taken back, by what became of them. */
    recovered: z.object({ retrying: count, failed: count, cancelled: count }).strict(),
    /** The first 100 of them, one by one. */
    jobs: z
      .array(
        z
          .object({
            id: z.string(),
            type: z.string(),
            queue: z.string(),
            attempt: count,
            outcome: recoveryOutcome,
          })
          .strict(),
      )
      .max(100),
  })
  .strict();

/** `[x, y, width, height]` in points from the top-left of the page as displayed (crop box, rotation applied). */
const pageBox = z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]);
const piiType = z.enum(PII_TYPES);
/** Detections per PII type (only the types found). */
const countsPerType = z.record(piiType, count);

const redactResult = z
  .object({
    mode: z.enum(['redact', 'detect']),
    /** `boxes`: a reviewer's list from `sourceJobId` was applied as given; `recognisers`: the document was read. */
    source: z.enum(['recognisers', 'boxes']),
    sourceJobId: z.string().uuid().optional(),
    pageCount: count,
    /**
     * What was found (or, with `boxes`, applied): never the values themselves (they would outlive the document in
     * the job row); a box per line the value spans.
     */
    detections: z.array(
      z
        .object({
          type: piiType,
          page: pageNumber,
          boxes: z.array(pageBox).min(1),
          confidence: z.number().min(0).max(1),
          recogniser: z.string(),
          /** Where it was read: the text layer, OCR of the rendered page, an annotation or form field's own text. */
          via: z.enum(['text-layer', 'ocr', 'annotation', 'reviewer']),
        })
        .strict(),
    ),
    /** Detections per type, over the document. */
    counts: countsPerType,
    /** Detections per type on each page that has any. */
    pages: z.array(z.object({ page: pageNumber, counts: countsPerType }).strict()),
    /** Pages whose content was changed (redact mode); every other page's content streams are as they were. */
    pagesChanged: z.array(pageNumber),
    /** Pages read through their text layer and by OCR; `uncheckedPages`: pages that could not be read at all. */
    pagesRead: z.object({ textLayer: count, ocr: count }).strict(),
    uncheckedPages: z.array(pageNumber),
    /** Document-level parts removed (metadata, outline, attachments…) and annotations/fields dropped. */
    removed: z.array(z.string()),
    annotationsRemoved: count,
    /** Pages that could not be checked and other caveats: a document is never reported clean when it was not read. */
    warnings: z.array(z.string()),
    durationMs: count,
    /** The redacted PDF (redact mode); none in detect mode (the document is left unchanged). */
    outputs: z.array(pdfOutput).max(1),
  })
  .strict();

/** The result schema of every job type, keyed like `jobParamSchemas`. */
export const jobResultSchemas = {
  compress: compressResult,
  'bulk-compress': bulkCompressResult,
  'convert-to-images': convertToImagesResult,
  merge: mergeResult,
  split: splitResult,
  ocr: ocrResult,
  'extract-text': extractTextResult,
  'extract-invoice': extractInvoiceResult,
  'extract-bank-statement': extractBankStatementResult,
  'categorize-transactions': categorizeTransactionsResult,
  'statement-report': statementReportResult,
  redact: redactResult,
  'cleanup-temp-files': cleanupTempFilesResult,
  'cleanup-expired-jobs': cleanupExpiredJobsResult,
  'health-check': healthCheckResult,
  'recover-stuck-jobs': recoverStuckJobsResult,
} as const satisfies Record<JobType, z.ZodTypeAny>;

/** What a handler of type `T` returns and the worker stores as `job.result` (storage keys included). */
export type JobResult<T extends JobType> = z.infer<(typeof jobResultSchemas)[T]>;

/** One stored output entry (with its storage key). */
export type StoredOutput = z.infer<typeof storedOutputSchema>;
