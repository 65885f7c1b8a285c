import path from 'node:path';
import { extractInvoiceFromPdf, type InvoiceExtraction } from '@quire/pipeline-extraction';
import { StageProgress, type JobContext } from '@quire/worker-runtime';
import { writeInvoiceCsv, writeInvoiceXlsx } from './invoice-files';
import {
  CONTENT_TYPES,
  EXTRACTION_STAGES,
  prepare,
  type ExtractionHandlerDeps,
  type OutputFile,
} from './shared';

/**
 * `extract-invoice`: an invoice from a PDF through the extraction pipeline. An embedded Factur-X / ZUGFeRD /
 * XRechnung XML is the primary source, cross-checked against the printed text; otherwise the layout reader (and the
 * language model as `mode` says). `result.invoice`, `result.validation` (net + tax = total, lines sum, IBAN, VAT id,
 * due ≥ issue…); `format` csv or xlsx also writes the invoice lines as a file.
 */
export function extractInvoiceHandler(
  deps: ExtractionHandlerDeps,
): (ctx: JobContext<'extract-invoice'>) => Promise<InvoiceExtraction & { outputs?: OutputFile[] }> {
  return async (ctx) => {
    const progress = new StageProgress(ctx, EXTRACTION_STAGES);
    const { options, outputBase } = await prepare(ctx, progress);
    const extracted = await extractInvoiceFromPdf(deps, options);
    progress.report('finalization', 0);
    const outputs: OutputFile[] = [];
    const { format } = ctx.params;
    if (format !== 'json') {
      const name = `${outputBase}.${format}`;
      const local = path.join(ctx.tempDir, name);
      if (format === 'xlsx') await writeInvoiceXlsx(extracted.invoice, local);
      else await writeInvoiceCsv(extracted.invoice, local);
      const saved = await ctx.saveOutput(local, name);
      outputs.push({ name, key: saved.key, bytes: saved.bytes, contentType: CONTENT_TYPES[format] });
    }
    progress.report(
      'finalization',
      1,
      `Extracted the invoice${extracted.validation.passed ? '' : ' (checks failed)'}`,
    );
    return { ...extracted, ...(outputs.length ? { outputs } : {}) };
  };
}
