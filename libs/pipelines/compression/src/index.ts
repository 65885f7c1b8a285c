/**
 * @quire/pipeline-compression: the compression pipeline (input check with pdf.js, Ghostscript pdfwrite, output
 * check, never-larger rule) with its stages and progress, as the compress and bulk-compress handlers and
 * tools/bench/compression run it. See README.md.
 */
export {
  compressPdf,
  COMPRESSION_STAGES,
  type CompressionProgress,
  type CompressionStage,
  type CompressPdfOptions,
  type CompressPdfResult,
} from './compress-pdf';
export { COMPRESSION_PRESETS, isCompressionPreset, type CompressionPreset } from '@quire/engine-ghostscript';
