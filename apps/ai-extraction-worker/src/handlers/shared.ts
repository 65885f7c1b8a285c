import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  ExtractionDeps,
  ExtractionOptions,
  ExtractionStep,
  InvoiceExtraction,
  StatementExtraction,
} from '@quire/pipeline-extraction';
import { baseName, StageProgress, type JobContext } from '@quire/worker-runtime';

/** What the extraction handlers are built with (main.ts wires the engines and the optional model). */
export interface ExtractionHandlerDeps extends ExtractionDeps {
  /** VAT rate of the statement reports, in percent (QUIRE_REPORT_VAT_RATE_PERCENT). */
  vatRatePercent: number;
}

export const EXTRACTION_STAGES = [
  { stage: 'initialization', weight: 3, message: 'Preparing extraction' },
  { stage: 'analysis', weight: 10, message: 'Reading the document' },
  { stage: 'ocr', weight: 50, message: 'Recognising scanned pages' },
  { stage: 'extraction', weight: 32, message: 'Extracting' },
  { stage: 'finalization', weight: 5, message: 'Writing the result' },
] as const;

export const CONTENT_TYPES = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** Fetches the upload and builds the pipeline options with progress reported per step. */
export async function prepare(
  ctx: JobContext<'extract-invoice' | 'extract-bank-statement'>,
  progress: StageProgress,
): Promise<{ options: ExtractionOptions; outputBase: string }> {
  progress.report('initialization', 0, 'Fetching the document');
  const inputPath = await ctx.inputPath(0);
  progress.report('analysis', 0);
  const onStep = (step: ExtractionStep): void => {
    if (step.step === 'ocr-page') {
      progress.report(
        'ocr',
        step.done / step.total,
        `Recognised page ${step.page} (${step.done} of ${step.total})`,
        {
          current: step.done,
          total: step.total,
        },
      );
      ctx.checkpoint();
    } else if (step.step === 'read') {
      ctx.checkpoint();
    } else if (step.step === 'layout') {
      progress.report('extraction', 0, 'Reading the layout');
    } else {
      progress.report('extraction', 0.3, 'Asking the language model');
    }
  };
  return {
    options: {
      inputPath,
      isImage: ctx.job.inputs[0]?.contentType.startsWith('image/') ?? false,
      mode: ctx.params.mode,
      signal: ctx.signal,
      workDir: path.join(ctx.tempDir, 'work'),
      onStep,
    },
    outputBase: baseName(ctx.job.inputs[0]?.name),
  };
}

/** The result fields both extraction types share beyond the contract's core: pages read, layout-vs-model, usage. */
export function extractionExtras(x: StatementExtraction | InvoiceExtraction) {
  return {
    pageCount: x.pageCount,
    pages: x.pages,
    ...(x.comparison ? { comparison: x.comparison } : {}),
    ...(x.llm ? { llm: x.llm } : {}),
  };
}

export type ExtractionFormat = keyof typeof CONTENT_TYPES;

/**
 * Writes the extracted data as the job's one output in `format` (json as is; csv / xlsx through `writers`) and
 * describes it for `result.outputs`.
 */
export async function saveExtractionOutput<T>(
  ctx: JobContext<'extract-invoice' | 'extract-bank-statement'>,
  outputBase: string,
  format: ExtractionFormat,
  data: T,
  writers: { csv: (data: T, file: string) => Promise<void>; xlsx: (data: T, file: string) => Promise<void> },
): Promise<{
  name: string;
  key: string;
  bytes: number;
  contentType: (typeof CONTENT_TYPES)[ExtractionFormat];
}> {
  const name = `${outputBase}.${format}`;
  const local = path.join(ctx.tempDir, name);
  if (format === 'json') await writeFile(local, JSON.stringify(data, null, 2), 'utf8');
  else await writers[format](data, local);
  const saved = await ctx.saveOutput(local, name);
  return { name, key: saved.key, bytes: saved.bytes, contentType: CONTENT_TYPES[format] };
}
