import { describe, expect, it } from 'vitest';
import {
  buildPdfwriteArgs,
  escapeOutputFile,
  escapePostScriptString,
  ghostscriptSafeArgs,
  isCompressionPreset,
} from './pdfwrite-args';

describe('buildPdfwriteArgs', () => {
  it('lossless: /default settings with every lossy image step off', () => {
    const args = buildPdfwriteArgs({ inputPath: '/in/a.pdf', outputPath: '/out/b.pdf', preset: 'lossless' });
    expect(args).toEqual(
      expect.arrayContaining([
        '-sDEVICE=pdfwrite',
        '-dPDFSETTINGS=/default',
        '-dCompatibilityLevel=1.7',
        '-dDetectDuplicateImages=true',
        '-dCompressFonts=true',
        '-dPassThroughJPEGImages=true',
        '-dDownsampleColorImages=false',
        '-dAutoFilterColorImages=false',
        '-dColorImageFilter=/FlateEncode',
        '-sOutputFile=/out/b.pdf',
        '--permit-file-read=/in/a.pdf',
      ]),
    );
    expect(args.slice(-2)).toEqual(['-c', '(/in/a.pdf) (r) file runpdf']);
  });

  it.each(['screen', 'ebook', 'printer', 'prepress'] as const)(
    '%s: the named PDFSETTINGS, no lossless overrides',
    (preset) => {
      const args = buildPdfwriteArgs({ inputPath: '/a.pdf', outputPath: '/b.pdf', preset });
      expect(args).toContain(`-dPDFSETTINGS=/${preset}`);
      expect(args).not.toContain('-dAutoFilterColorImages=false');
    },
  );

  it('makes paths absolute and escapes them for PostScript and for the output template', () => {
    const args = buildPdfwriteArgs({
      inputPath: 'in (1)\\x.pdf',
      outputPath: 'out 100%.pdf',
      preset: 'ebook',
    });
    const cwd = process.cwd();
    expect(args).toContain(`-sOutputFile=${cwd}/out 100%%.pdf`);
    expect(args).toContain(`--permit-file-read=${cwd}/in (1)\\x.pdf`);
    expect(args.at(-1)).toBe(`(${cwd}/in \\(1\\)\\\\x.pdf) (r) file runpdf`);
  });
});

describe('helpers', () => {
  it('escapes PostScript strings, control characters included', () => {
    expect(escapePostScriptString('a(b)c\\d\ne')).toBe('a\\(b\\)c\\\\d\\012e');
    expect(escapePostScriptString('résumé.pdf')).toBe('résumé.pdf');
  });

  it('doubles % in output files', () => {
    expect(escapeOutputFile('/x/%d-50%.pdf')).toBe('/x/%%d-50%%.pdf');
  });

  it('always sandboxes, and drops -dQUIET only on request', () => {
    expect(ghostscriptSafeArgs()).toEqual(['-dSAFER', '-dBATCH', '-dNOPAUSE', '-dNOPROMPT', '-dQUIET']);
    expect(ghostscriptSafeArgs({ quiet: false })).not.toContain('-dQUIET');
  });

  it('recognises presets', () => {
    expect(isCompressionPreset('ebook')).toBe(true);
    expect(isCompressionPreset('default')).toBe(false);
  });
});
