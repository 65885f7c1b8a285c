import path from 'node:path';

/** Compression presets: `lossless` plus Ghostscript's four named PDFSETTINGS. Same list as the job catalog's. */
export const COMPRESSION_PRESETS = ['lossless', 'screen', 'ebook', 'printer', 'prepress'] as const;
export type CompressionPreset = (typeof COMPRESSION_PRESETS)[number];

export function isCompressionPreset(value: unknown): value is CompressionPreset {
  return typeof value === 'string' && (COMPRESSION_PRESETS as readonly string[]).includes(value);
}

/**
 * Prepended to every Ghostscript run: no file system or device access beyond what the arguments permit
 * (-dSAFER), no interactive prompts, exit when done. `-dQUIET` is left out only when page progress is wanted,
 * because it also silences the "Page N" lines.
 */
export function ghostscriptSafeArgs(options: { quiet?: boolean } = {}): string[] {
  return ['-dSAFER', '-dBATCH', '-dNOPAUSE', '-dNOPROMPT', ...(options.quiet === false ? [] : ['-dQUIET'])];
}

/**
 * `lossless`: pdfwrite's /default settings with every lossy image step turned off: no downsampling, JPEG and
 * JPEG 2000 images copied as they are, other colour/grey images Flate-encoded (never re-encoded as JPEG), colours
 * left unconverted. What shrinks is structure: font subsetting and compression, duplicate-image detection,
 * compressed content streams.
 */
const LOSSLESS_IMAGE_ARGS = [
  '-dPassThroughJPEGImages=true',
  '-dPassThroughJPXImages=true',
  '-dDownsampleColorImages=false',
  '-dDownsampleGrayImages=false',
  '-dDownsampleMonoImages=false',
  '-dAutoFilterColorImages=false',
  '-dAutoFilterGrayImages=false',
  '-dColorImageFilter=/FlateEncode',
  '-dGrayImageFilter=/FlateEncode',
  '-dColorConversionStrategy=/LeaveColorUnchanged',
];

/** Escapes text for a PostScript string literal `( … )`. Non-ASCII passes through as UTF-8 bytes, which is what the file system wants. */
export function escapePostScriptString(text: string): string {
  return text
    .replace(/[\\()]/g, (c) => `\\${c}`)
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`); // eslint-disable-line no-control-regex
}

/** In -sOutputFile, `%d`-style sequences are page-number templates; a literal `%` must be doubled. */
export function escapeOutputFile(file: string): string {
  return file.replace(/%/g, '%%');
}

export interface PdfwriteArgsInput {
  inputPath: string;
  outputPath: string;
  preset: CompressionPreset;
}

/**
 * The pdfwrite arguments for a preset (without {@link ghostscriptSafeArgs}). The same list is used in-process and
 * by the benchmark's `gs` command line, so both do identical work.
 *
 * The input is run with `runpdf` from a `-c` string instead of being passed as a file argument: Ghostscript
 * sniffs a file argument and would execute anything without a `%PDF` header as PostScript; `runpdf` always uses
 * the PDF interpreter. `--permit-file-read` grants -dSAFER access to exactly that file.
 */
export function buildPdfwriteArgs({ inputPath, outputPath, preset }: PdfwriteArgsInput): string[] {
  const input = path.resolve(inputPath);
  const output = path.resolve(outputPath);
  return [
    '-sDEVICE=pdfwrite',
    '-dCompatibilityLevel=1.7',
    `-dPDFSETTINGS=/${preset === 'lossless' ? 'default' : preset}`,
    // pdfwrite otherwise "fixes" page rotation from the text direction: a compressor must not turn pages.
    '-dAutoRotatePages=/None',
    '-dDetectDuplicateImages=true',
    '-dCompressFonts=true',
    '-dSubsetFonts=true',
    '-dCompressPages=true',
    ...(preset === 'lossless' ? LOSSLESS_IMAGE_ARGS : []),
    `-sOutputFile=${escapeOutputFile(output)}`,
    `--permit-file-read=${input}`,
    '-c',
    `(${escapePostScriptString(input)}) (r) file runpdf`,
  ];
}
