import { CorruptPdfError } from '@quire/errors';
import { CommandRunner } from '@quire/engine-supervisor';

/**
 * Image uploads (PNG, JPEG, TIFF) become a PDF page with `img2pdf` (Debian package; what OCRmyPDF uses): lossless,
 * the JPEG bytes are embedded as they are, and the page size comes from the image's resolution. Tesseract's own
 * image-and-text PDF renderer aborts on some 1-bit TIFFs, so it only ever writes the invisible text layer.
 */
export class ImageToPdf {
  private readonly runner: CommandRunner;

  constructor(options: { timeoutMs: number; memoryLimitMb?: number }) {
    this.runner = new CommandRunner({
      command: 'img2pdf',
      name: 'img2pdf',
      timeoutMs: options.timeoutMs,
      memoryLimitMb: options.memoryLimitMb ?? 1024,
    });
  }

  async convert(
    imagePath: string,
    outputPath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const result = await this.runner.run([imagePath, '-o', outputPath], options);
    if (result.exitCode !== 0) {
      const reason = result.stderr
        .split('\n')
        .find((l) => /error/i.test(l))
        ?.replace(/^.*error:\s*/i, '');
      throw new CorruptPdfError(`the image cannot be read${reason ? `: ${reason.slice(0, 200)}` : ''}`);
    }
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
