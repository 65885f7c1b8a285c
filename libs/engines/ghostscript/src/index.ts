export {
  createGhostscript,
  type Ghostscript,
  type GhostscriptOptions,
  type GhostscriptRunOptions,
  type GhostscriptRunResult,
} from './ghostscript';
export {
  buildPdfwriteArgs,
  COMPRESSION_PRESETS,
  ghostscriptSafeArgs,
  isCompressionPreset,
  type CompressionPreset,
  type PdfwriteArgsInput,
} from './pdfwrite-args';
export {
  assertPixelLimit,
  buildRasterArgs,
  rasterizePdf,
  rasterSize,
  RASTER_FORMATS,
  toPageList,
  type RasterArgsInput,
  type RasterFormat,
  type RasterImage,
  type RasterizePdfOptions,
} from './rasterize';
export { imageSizeOf, readImageSize, type ImageSize } from './image-size';
