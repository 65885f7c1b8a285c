import type { z } from 'zod';
import { ValidationError } from '@quire/errors';
import {
  crossCheckInvoices,
  extractBankStatement,
  extractInvoice,
  parseEInvoiceXml,
  validateInvoice,
  validateStatement,
  type BankStatement,
  type Check,
  type Invoice,
  type Validation,
} from '@quire/extraction';
import type { LlmClient } from '@quire/engine-llm';
import { compareInvoices, compareStatements, type FieldDifference } from './compare';
import {
  askModel,
  documentText,
  INVOICE_INSTRUCTIONS,
  llmInvoiceSchema,
  llmStatementSchema,
  STATEMENT_INSTRUCTIONS,
  type LlmOutcome,
  type LlmUsage,
} from './llm';
import { ocrImageRegions } from './image-regions';
import { assertReadable, readDocumentWords, type DocumentPage, type ReadDeps } from './read-document';

/** `layout` never calls the model; `auto` only when the layout result fails validation; `llm` always. */
export type ExtractionMode = 'auto' | 'layout' | 'llm';
/** Where the result came from: the layout reader, the model, or both (the model asked after layout failed). */
export type ExtractionMethod = 'layout' | 'llm' | 'both';

export interface ExtractionDeps extends ReadDeps {
  /** The language model; null when none is configured. */
  llm: LlmClient | null;
  /** Pages of text the model is given at most. */
  llmMaxPages: number;
}

export type ExtractionStep =
  | { step: 'read'; pageCount: number; ocrPages: number }
  | { step: 'ocr-page'; page: number; done: number; total: number }
  | { step: 'layout' }
  | { step: 'llm' };

export interface ExtractionOptions {
  inputPath: string;
  /** The upload is an image (read by OCR as one page), not a PDF. */
  isImage?: boolean;
  mode: ExtractionMode;
  signal: AbortSignal;
  workDir: string;
  onStep?: (step: ExtractionStep) => void;
}

type Common = {
  validation: Validation;
  warnings: string[];
  pageCount: number;
  pages: Array<Pick<DocumentPage, 'page' | 'source' | 'confidence'>>;
  /** Fields where the layout reader and the model disagree (only when both ran). */
  comparison?: FieldDifference[];
  llm?: { model: string; promptTokens: number; completionTokens: number; requests: number };
};

export type StatementExtraction = Common & {
  method: ExtractionMethod;
  statement: Omit<BankStatement, 'method'> & { method: 'layout' | 'llm' };
};

export type InvoiceExtraction = Common & {
  /** `xml`: read from the embedded e-invoice, cross-checked against the printed text. */
  method: ExtractionMethod | 'xml';
  invoice: Omit<Invoice, 'method'> & { method: 'layout' | 'xml' | 'llm' };
};

const LLM_NOT_CONFIGURED =
  'mode "llm" needs a language model: the worker has no QUIRE_LLM_* configuration (QUIRE_LLM_BASE_URL and QUIRE_LLM_MODEL)';

function assertModeUsable(mode: ExtractionMode, llm: LlmClient | null): void {
  if (mode === 'llm' && !llm) throw new ValidationError(LLM_NOT_CONFIGURED, { details: { field: 'mode' } });
}

async function read(deps: ExtractionDeps, options: ExtractionOptions) {
  const doc = await readDocumentWords(deps, options.inputPath, {
    signal: options.signal,
    workDir: options.workDir,
    isImage: options.isImage ?? false,
    onOcrPage: (page, done, total) => options.onStep?.({ step: 'ocr-page', page, done, total }),
  });
  options.onStep?.({
    step: 'read',
    pageCount: doc.pageCount,
    ocrPages: doc.pages.filter((p) => p.source === 'ocr').length,
  });
  return doc;
}

function pageSummary(pages: readonly DocumentPage[]) {
  return pages.map(({ page, source, confidence }) => ({
    page,
    source,
    ...(confidence !== undefined ? { confidence: Math.round(confidence * 10) / 10 } : {}),
  }));
}

function noTextWarnings(pages: readonly DocumentPage[]): string[] {
  const empty = pages.filter((p) => p.source === 'none').map((p) => p.page);
  return empty.length ? [`no text on page${empty.length === 1 ? '' : 's'} ${empty.join(', ')}`] : [];
}

function modelFailure(outcome: Extract<LlmOutcome<unknown>, { ok: false }>): {
  check: Check;
  warning: string;
} {
  const detail = `the model's answer was invalid twice (${outcome.problem})`;
  return {
    check: { name: 'model-answer', passed: false, detail },
    warning: `${detail}; the layout result is reported instead`,
  };
}

function usageOf(usage: LlmUsage): NonNullable<Common['llm']> {
  return { ...usage };
}

function withCheck(validation: Validation, check: Check): Validation {
  return { passed: validation.passed && check.passed, checks: [...validation.checks, check] };
}

/**
 * A bank statement from a PDF: words (text layer, OCR for scanned pages) → layout reader → validation, with the
 * language model as `mode` says. Throws for documents that cannot be read; a result that does not reconcile is
 * returned with its failed checks (never a silent wrong total).
 */
export async function extractStatementFromPdf(
  deps: ExtractionDeps,
  options: ExtractionOptions,
): Promise<StatementExtraction> {
  const { mode } = options;
  assertModeUsable(mode, deps.llm);
  const doc = await read(deps, options);
  assertReadable(doc, false);
  options.onStep?.({ step: 'layout' });
  const layout = extractBankStatement(doc.words);
  const layoutValidation = validateStatement(layout);
  const warnings = noTextWarnings(doc.pages);
  const base = { pageCount: doc.pageCount, pages: pageSummary(doc.pages) };
  const r = await layoutThenModel(deps, doc.pages, options, warnings, {
    layout,
    layoutValidation,
    instructions: STATEMENT_INSTRUCTIONS,
    schema: llmStatementSchema,
    schemaName: 'bank_statement',
    fromAnswer: (data): BankStatement => ({
      ...data,
      transactions: data.transactions.map((t) => ({ ...t, page: 0 })),
      method: 'layout',
      warnings: [],
      skippedRows: [],
    }),
    validate: validateStatement,
    compare: compareStatements,
  });
  return {
    ...base,
    ...r.extras,
    statement: r.value,
    validation: r.validation,
    method: r.method,
    warnings: r.warnings,
  };
}

function passedCount(v: Validation): number {
  return v.checks.filter((c) => c.passed).length - (v.passed ? 0 : 1000);
}

/** A Factur-X / ZUGFeRD / XRechnung / UBL invoice XML among the embedded files, if any. */
function embeddedInvoiceXml(
  attachments: ReadonlyArray<{ name: string; text?: string }>,
): { name: string; text: string } | null {
  for (const a of attachments) {
    if (a.text === undefined) continue;
    if (/CrossIndustryInvoice|<(?:\w+:)?(?:Invoice|CreditNote)[\s>]/.test(a.text))
      return { name: a.name, text: a.text };
  }
  return null;
}

/**
 * An invoice from a PDF. An embedded e-invoice XML (Factur-X / ZUGFeRD / XRechnung) is the primary source, cross-
 * checked field by field against the printed text; otherwise the layout reader, with the model as `mode` says.
 */
export async function extractInvoiceFromPdf(
  deps: ExtractionDeps,
  options: ExtractionOptions,
): Promise<InvoiceExtraction> {
  const { mode } = options;
  assertModeUsable(mode, deps.llm);
  const doc = await read(deps, options);
  const xml = embeddedInvoiceXml(doc.attachments);
  assertReadable(doc, xml !== null);
  options.onStep?.({ step: 'layout' });
  let layout = extractInvoice(doc.words);
  // A letterhead or bank block printed as a picture: OCR of the images, only when the text layer lacks the issuer,
  // or names a bank account (IBAN/BIC label) without one; most invoices need no OCR at all.
  const bankLabelOnly = layout.iban === null && doc.words.some((w) => /^(?:iban|bic|swift)\b/i.test(w.text));
  if (!xml && (layout.issuer === null || bankLabelOnly)) {
    layout = await withPicturedFields(deps, options, doc, layout);
  }
  const layoutValidation = validateInvoice(layout);
  const warnings = noTextWarnings(doc.pages);
  const base = { pageCount: doc.pageCount, pages: pageSummary(doc.pages) };

  if (xml && mode !== 'llm') {
    const fromXml = parseEInvoiceXml(xml.text);
    const xmlValidation = validateInvoice(fromXml);
    const cross = doc.words.length ? crossCheckInvoices(fromXml, layout) : null;
    const checks = [
      ...xmlValidation.checks,
      // `xml-matches-text:<field>`: the printed page agrees with the XML on that field.
      ...(cross?.checks ?? []),
    ];
    return {
      ...base,
      invoice: fromXml,
      validation: { passed: xmlValidation.passed && (cross?.passed ?? true), checks },
      method: 'xml',
      warnings: [
        ...warnings,
        `read from the embedded e-invoice ${xml.name}`,
        ...(cross ? [] : ['no printed text to cross-check the embedded e-invoice with']),
        ...fromXml.warnings,
      ],
    };
  }

  const r = await layoutThenModel(deps, doc.pages, options, warnings, {
    layout,
    layoutValidation,
    instructions: INVOICE_INSTRUCTIONS,
    schema: llmInvoiceSchema,
    schemaName: 'invoice',
    fromAnswer: (data): Invoice => ({ ...data, method: 'layout', warnings: [] }),
    validate: validateInvoice,
    compare: compareInvoices,
  });
  return {
    ...base,
    ...r.extras,
    invoice: r.value,
    validation: r.validation,
    method: r.method,
    warnings: r.warnings,
  };
}

/** Header fields an image-only letterhead or bank block can supply; amounts always come from the text layer. */
const PICTURED_FIELDS = [
  'issuer',
  'issuerVatId',
  'iban',
  'invoiceNumber',
  'issueDate',
  'dueDate',
  'currency',
] as const satisfies ReadonlyArray<keyof Invoice>;

/**
 * Fills the header fields the text layer lacks from OCR of the first pages' images (a letterhead or bank block
 * printed as a picture), reading the text layer and those OCR words together. Fields the text layer gave are never
 * replaced; what came from OCR is named in a warning.
 */
async function withPicturedFields(
  deps: ExtractionDeps,
  options: ExtractionOptions,
  doc: Awaited<ReturnType<typeof read>>,
  layout: Invoice,
): Promise<Invoice> {
  let pictured: Awaited<ReturnType<typeof ocrImageRegions>>;
  try {
    pictured = await ocrImageRegions(deps, options.inputPath, doc, {
      signal: options.signal,
      workDir: options.workDir,
      timeoutMs: deps.inspectTimeoutMs,
    });
  } catch (err) {
    // The text layer's reading stands on its own: a failed look at the images is a warning, not a failed job
    // (a cancelled job still stops).
    if (options.signal.aborted) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ...layout,
      warnings: [...layout.warnings, `the invoice's images could not be read by OCR: ${reason}`],
    };
  }
  if (pictured.words.length === 0) return layout;
  const merged = extractInvoice([...doc.words, ...pictured.words]);
  const filled: Partial<Record<(typeof PICTURED_FIELDS)[number], string>> = {};
  for (const field of PICTURED_FIELDS) {
    const value = merged[field];
    if (layout[field] === null && value !== null) filled[field] = value;
  }
  const names = Object.keys(filled);
  if (names.length === 0) return layout;
  const where =
    pictured.pages.length === 1 ? `page ${pictured.pages[0]}` : `pages ${pictured.pages.join(', ')}`;
  return {
    ...layout,
    ...filled,
    warnings: [...layout.warnings, `${names.join(', ')} read by OCR from an image on ${where}`],
  };
}

/**
 * The model step shared by statements and invoices, as `options.mode` says: `layout` (or no model) keeps the layout
 * result; otherwise the model is asked (an invalid answer once more) and its answer, validated and compared field by
 * field with the layout result, replaces it when it validates at least as well (`llm`: always). Two invalid answers
 * keep the layout result with a failed `model-answer` check.
 */
async function layoutThenModel<T extends { method: string; warnings: string[] }, S extends z.ZodTypeAny>(
  deps: ExtractionDeps,
  pages: readonly DocumentPage[],
  options: ExtractionOptions,
  warnings: string[],
  step: {
    layout: T;
    layoutValidation: Validation;
    instructions: string;
    schema: S;
    schemaName: string;
    fromAnswer: (data: z.infer<S>) => T;
    validate: (value: T) => Validation;
    compare: (layout: T, model: T) => FieldDifference[];
  },
): Promise<{
  value: T;
  validation: Validation;
  method: ExtractionMethod;
  warnings: string[];
  extras: Pick<Common, 'comparison' | 'llm'>;
}> {
  const { mode } = options;
  const { layout, layoutValidation } = step;
  const wantLlm = mode === 'llm' || (mode === 'auto' && deps.llm !== null && !layoutValidation.passed);
  if (!wantLlm || !deps.llm) {
    return {
      value: layout,
      validation: layoutValidation,
      method: 'layout',
      warnings: [...warnings, ...layout.warnings],
      extras: {},
    };
  }
  options.onStep?.({ step: 'llm' });
  const { text, cut } = documentText(pages, deps.llmMaxPages);
  if (cut) warnings.push(`the model was given the first ${deps.llmMaxPages} pages only`);
  const outcome = await askModel(deps.llm, {
    instructions: step.instructions,
    document: text,
    schema: step.schema,
    schemaName: step.schemaName,
    signal: options.signal,
  });
  if (!outcome.ok) {
    const failure = modelFailure(outcome);
    return {
      value: layout,
      validation: withCheck(layoutValidation, failure.check),
      method: 'layout',
      warnings: [...warnings, failure.warning, ...layout.warnings],
      extras: { llm: usageOf(outcome.usage) },
    };
  }
  const fromModel = step.fromAnswer(outcome.data);
  const modelValidation = step.validate(fromModel);
  const comparison = step.compare(layout, fromModel);
  if (comparison.length)
    warnings.push(`layout and model disagree on ${comparison.length} field(s): see comparison`);
  // auto: the model's answer replaces the layout result only when it validates at least as well.
  const useModel = mode === 'llm' || passedCount(modelValidation) >= passedCount(layoutValidation);
  return {
    value: useModel ? { ...fromModel, method: 'llm' } : layout,
    validation: useModel ? modelValidation : layoutValidation,
    method: mode === 'llm' ? 'llm' : 'both',
    warnings: [...warnings, ...(useModel ? [] : layout.warnings)],
    extras: { comparison, llm: usageOf(outcome.usage) },
  };
}
