import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, GoneError, NotFoundError, QuireError, ValidationError } from '@quire/errors';
import {
  QUEUE_MAX_ATTEMPTS,
  jobParamSchemas,
  type JobEntity,
  type RedactionAuditRepository,
} from '@quire/job-model';
import {
  redactDocument,
  secureDelete,
  secureDeleteTree,
  type RedactionDetection,
  type RedactionEngines,
} from '@quire/pipeline-redaction';
import { compileCustomRecognisers } from '@quire/redaction';
import { jobKeys } from '@quire/storage';
import { baseName, StageProgress, type JobContext, type JobHandler } from '@quire/worker-runtime';

/** What the handler needs beside the engines: the source job of a reviewer's boxes, and the audit trail. */
export interface RedactDeps {
  engines: RedactionEngines;
  jobs: { findForTenant(id: string, tenantId: string): Promise<JobEntity | null> };
  audit: Pick<RedactionAuditRepository, 'recordOutcome'>;
}

const STAGES = [
  { stage: 'initialising', weight: 3, message: 'Preparing the document' },
  { stage: 'recognising', weight: 70, message: 'Looking for personal data' },
  { stage: 'redacting', weight: 20, message: 'Removing what was found' },
  { stage: 'finalising', weight: 7, message: 'Checking and storing the result' },
] as const;

/**
 * `redact` (docs/architecture.md §13 (redaction)): finds personal data in a PDF (digital, scanned or mixed) or an image
 * and, in `redact` mode, removes it for real through the redaction pipeline (`redactDocument`); in `detect` mode it
 * only reports the boxes. With `sourceJobId` it applies a reviewer's `boxes` to the document of that `detect` job.
 * The job's temp files are overwritten before removal; with `keepInput: false` the upload is deleted as soon as the
 * job ends (completed, or failed for good). The result and the audit record hold counts and boxes, never values.
 */
export function redactHandler(deps: RedactDeps): JobHandler<'redact'> {
  return async (ctx): ReturnType<JobHandler<'redact'>> => {
    const { params } = ctx;
    const progress = new StageProgress(ctx, STAGES);
    try {
      progress.report('initialising', 0);
      // Compiled again here (the gateway did at submit time): a stored job never runs an unchecked regex.
      const custom = params.custom ? compileCustomRecognisers(params.custom, 'params.custom') : undefined;
      const { inputPath, name, isImage } = await inputOf(ctx, deps);
      const outputName = `${baseName(name)}-redacted.pdf`;
      const outputPath = path.join(ctx.tempDir, outputName);

      const done = await redactDocument(deps.engines, {
        inputPath,
        isImage,
        workDir: ctx.tempDir,
        mode: params.mode,
        outputPath: params.mode === 'redact' ? outputPath : undefined,
        types: params.types,
        minConfidence: params.minConfidence,
        region: params.region,
        custom,
        languages: params.languages,
        boxes: params.boxes,
        signal: ctx.signal,
        onStep: (step) => {
          if (step.step === 'recognising') {
            progress.report('recognising', 0, `Reading ${step.pageCount} pages`, {
              current: 0,
              total: step.pageCount,
            });
          } else if (step.step === 'page') {
            progress.report('recognising', step.done / step.total, `Read page ${step.page} (${step.via})`, {
              current: step.done,
              total: step.total,
            });
            ctx.checkpoint();
          } else if (step.step === 'redacting') {
            progress.report('redacting', 0, `Redacting ${step.pages} pages`);
          } else progress.report('finalising', 0);
        },
      });

      const outputs = [];
      if (params.mode === 'redact') {
        const saved = await ctx.saveOutput(outputPath, outputName);
        outputs.push({
          name: outputName,
          key: saved.key,
          bytes: saved.bytes,
          pages: done.pageCount,
          contentType: 'application/pdf' as const,
        });
      }
      const { counts, pages } = countsOf(done.detections);
      await deps.audit.recordOutcome(
        {
          id: ctx.job.id,
          tenantId: ctx.job.tenantId,
          submittedBy: ctx.job.submittedBy,
          mode: params.mode,
          sourceJobId: params.sourceJobId ?? null,
        },
        { counts, pages, pagesChanged: done.pagesChanged },
      );
      progress.report(
        'finalising',
        1,
        `${done.detections.length} finding${done.detections.length === 1 ? '' : 's'} on ${pages.length} pages`,
      );
      await dropInputIfAsked(ctx);
      return {
        mode: params.mode,
        source: params.boxes ? 'boxes' : 'recognisers',
        ...(params.sourceJobId ? { sourceJobId: params.sourceJobId } : {}),
        pageCount: done.pageCount,
        detections: done.detections,
        counts,
        pages,
        pagesChanged: done.pagesChanged,
        pagesRead: done.pagesRead,
        uncheckedPages: done.uncheckedPages,
        removed: done.removed,
        annotationsRemoved: done.annotationsRemoved,
        warnings: done.warnings,
        durationMs: done.durationMs,
        outputs,
      };
    } catch (err) {
      // The job ends here for good when the error is not retried or this was its last attempt.
      const final =
        !(err instanceof QuireError && err.retryable) || ctx.attempt >= QUEUE_MAX_ATTEMPTS.redaction;
      if (final) await dropInputIfAsked(ctx).catch(() => undefined);
      throw err;
    } finally {
      await overwriteTempFiles(ctx.tempDir);
    }
  };
}

/** This job's upload, or (with `sourceJobId`) the document of the completed `detect` job the boxes came from. */
async function inputOf(
  ctx: JobContext<'redact'>,
  deps: RedactDeps,
): Promise<{ inputPath: string; name: string | undefined; isImage: boolean }> {
  const sourceJobId = ctx.params.sourceJobId;
  if (!sourceJobId) {
    const input = ctx.job.inputs[0];
    return {
      inputPath: await ctx.inputPath(0),
      name: input?.name,
      isImage: input?.contentType.startsWith('image/') ?? false,
    };
  }
  const source = await deps.jobs.findForTenant(sourceJobId, ctx.job.tenantId);
  if (!source || source.type !== 'redact')
    throw new NotFoundError(`sourceJobId: redaction job ${sourceJobId} not found`);
  const sourceParams = jobParamSchemas.redact.safeParse(source.params);
  if (!sourceParams.success || sourceParams.data.mode !== 'detect')
    throw new ValidationError(`sourceJobId: job ${sourceJobId} is not a detect job`);
  if (source.status !== 'completed')
    throw new ConflictError(`sourceJobId: job ${sourceJobId} is ${source.status}, not completed`);
  const input = source.inputs[0];
  if (!input || source.expiredAt || !(await ctx.storage.stat(input.key)))
    throw new GoneError(
      `sourceJobId: the document of job ${sourceJobId} is no longer stored (expired, or submitted with keepInput: false)`,
    );
  const local = path.join(ctx.tempDir, `source-${path.basename(input.key)}`);
  await ctx.storage.copyToFile(input.key, local);
  return { inputPath: local, name: input.name, isImage: input.contentType.startsWith('image/') };
}

/** `keepInput: false`: the upload goes as soon as the job ends (a source job's document is never this job's). */
async function dropInputIfAsked(ctx: JobContext<'redact'>): Promise<void> {
  if (ctx.params.keepInput || ctx.params.sourceJobId) return;
  await ctx.storage.deletePrefix(`${jobKeys.root(ctx.job.id)}/input`);
}

/** The seed's secure delete: every file the attempt wrote (the input copy, rendered pages, the output) overwritten. */
async function overwriteTempFiles(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? secureDeleteTree(path.join(dir, e.name)) : secureDelete(path.join(dir, e.name)),
    ),
  );
}

function countsOf(detections: readonly RedactionDetection[]): {
  counts: Record<string, number>;
  pages: Array<{ page: number; counts: Record<string, number> }>;
} {
  const counts: Record<string, number> = {};
  const perPage = new Map<number, Record<string, number>>();
  for (const d of detections) {
    counts[d.type] = (counts[d.type] ?? 0) + 1;
    const page = perPage.get(d.page) ?? {};
    page[d.type] = (page[d.type] ?? 0) + 1;
    perPage.set(d.page, page);
  }
  return {
    counts,
    pages: [...perPage].sort(([a], [b]) => a - b).map(([page, c]) => ({ page, counts: c })),
  };
}
