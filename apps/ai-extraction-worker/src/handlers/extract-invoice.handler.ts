import type { JobResult } from '@quire/job-model';
import { extractInvoiceFromPdf, type InvoiceExtraction } from '@quire/pipeline-extraction';
import { StageProgress, type JobHandler } from '@quire/worker-runtime';
import { writeInvoiceCsv, writeInvoiceXlsx } from './invoice-files';
import {
  saveExtractionOutput,
  EXTRACTION_STAGES,
  extractionExtras,
  prepare,
  type ExtractionHandlerDeps,
} from './shared';

type InvoiceResult = JobResult<'extract-invoice'>;

/**
 * `extract-invoice`: an invoice from a PDF through the extraction pipeline. An embedded Factur-X / ZUGFeRD /
 * XRechnung XML is the primary source (`method: "xml"`), cross-checked against the printed text; otherwise the
 * layout reader (and the language model as `mode` says). `result.invoice`, `result.validation` (net + tax = total,
 * lines sum, IBAN, VAT id, due ≥ issue…); the invoice is also written as one output file in `format` (json, or the
 * invoice lines as csv / xlsx).
 */
export function extractInvoiceHandler(deps: ExtractionHandlerDeps): JobHandler<'extract-invoice'> {
  return async (ctx): ReturnType<JobHandler<'extract-invoice'>> => {
    const progress = new StageProgress(ctx, EXTRACTION_STAGES);
    const { options, outputBase } = await prepare(ctx, progress);
    const extracted = await extractInvoiceFromPdf(deps, options);
    progress.report('finalization', 0);
    const result = invoiceResult(extracted);
    const output = await saveExtractionOutput(ctx, outputBase, ctx.params.format, result.invoice, {
      csv: writeInvoiceCsv,
      xlsx: writeInvoiceXlsx,
    });
    progress.report(
      'finalization',
      1,
      `Extracted the invoice${result.validation.passed ? '' : ' (checks failed)'}`,
    );
    return {
      ...result,
      outputs: [output],
    };
  };
}

function invoiceResult(x: InvoiceExtraction): Omit<InvoiceResult, 'outputs'> {
  const i = x.invoice;
  return {
    invoice: {
      issuer: i.issuer,
      issuerVatId: i.issuerVatId,
      invoiceNumber: i.invoiceNumber,
      issueDate: i.issueDate,
      dueDate: i.dueDate,
      currency: i.currency,
      subtotal: i.subtotal,
      tax: i.tax,
      total: i.total,
      iban: i.iban,
      lines: i.lines.map(({ description, quantity, unitPrice, amount }) => ({
        description,
        quantity,
        unitPrice,
        amount,
      })),
      taxes: i.taxes.map(({ rate, base, amount }) => ({ rate, base, amount })),
    },
    method: x.method,
    validation: x.validation,
    warnings: x.warnings,
    ...extractionExtras(x),
  };
}
