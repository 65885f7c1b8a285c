/**
 * The redaction the benchmark measures: `redactDocument` of @quire/pipeline-redaction, what the redaction worker's
 * handler runs. PENDING: the pipeline and its engines are being built on another branch; until the integrator wires
 * them here, `createRedactor()` returns undefined and the benchmark reports recognition only (clearly marked).
 *
 * Wiring (for the integrator): build the pipeline's `RedactionEngines` the way the redaction worker does (MuPDF,
 * Tesseract, limits, dpi, deadlines; no LLM), then per document
 *   redactDocument(engines, { inputPath, isImage: false, workDir, mode: 'redact', outputPath, minConfidence: 0,
 *     region, languages: ['eng', 'deu'] })
 * and map its result to `RedactionRun` (pageCount, detections' type and page, warnings, uncheckedPages).
 */
export interface RedactionRun {
  pageCount: number;
  detections: { type: string; page: number }[];
  warnings: string[];
  uncheckedPages: number[];
}

export interface BenchRedactor {
  /** What runs, for the report ("@quire/pipeline-redaction redactDocument, MuPDF"). */
  describe: string;
  redact(inputPath: string, outputPath: string, options: { region: string }): Promise<RedactionRun>;
  close(): Promise<void>;
}

export function createRedactor(): Promise<BenchRedactor | undefined> {
  return Promise.resolve(undefined);
}
