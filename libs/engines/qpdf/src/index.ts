/**
 * @quire/engine-qpdf: qpdf (the Debian package's command line) as a supervised engine: page counts, merging and
 * splitting with repairs of damaged files, deadlines, a memory cap and cancellation. See README.md.
 */
export {
  createQpdf,
  toQpdfRanges,
  type Qpdf,
  type QpdfOptions,
  type QpdfRunOptions,
  type QpdfRunResult,
} from './qpdf';
export {
  mergePdfs,
  splitPdf,
  uniformChunkSize,
  type MergeInput,
  type MergePdfsOptions,
  type MergePdfsResult,
  type QpdfDeadline,
  type SplitPdfOptions,
  type SplitPdfResult,
} from './merge-split';
export { classifyQpdfFailure, qpdfWarnings, type LabelledPath } from './classify';
