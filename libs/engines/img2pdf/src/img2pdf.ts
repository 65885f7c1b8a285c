import { CorruptPdfError } from '@quire/errors';
import { CommandRunner, type CommandRunnerOptions, type CommandRunnerStats } from '@quire/engine-supervisor';

/**
 * Options of {@link createImg2pdf}: the supervisor's command-runner options without `command`, with these defaults:
 * `size` 1, `timeoutMs` 120 000, `memoryLimitMb` 1024, `maxQueue` 32, `cpuLimit` true.
 */
export type Img2pdfOptions = Omit<CommandRunnerOptions, 'command' | 'name'> & {
  /** Path or name of the img2pdf executable. Default `'img2pdf'`. */
  executable?: string;
};

export interface Img2pdf {
  /**
   * Places an image (PNG, JPEG, TIFF, …) on a PDF page of its own (`img2pdf image -o output`): lossless, JPEG bytes
   * are embedded as they are, the page size comes from the image's resolution. Rejects with CorruptPdfError when
   * img2pdf cannot read the image, plus the supervisor's EngineTimeoutError, EngineCrashError, LimitExceededError,
   * CancelledError and DependencyUnavailableError (not installed, queue full, shut down).
   */
  convert(
    imagePath: string,
    outputPath: string,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<void>;
  stats(): CommandRunnerStats;
  /** Kills running processes; later calls fail with DependencyUnavailableError. */
  close(): Promise<void>;
}

/**
 * img2pdf (the Debian package's command line; what OCRmyPDF uses for images) as a supervised engine. Tesseract's
 * own image-and-text PDF renderer aborts on some 1-bit TIFFs, so images reach a PDF page through this engine.
 */
export function createImg2pdf(options: Img2pdfOptions = {}): Img2pdf {
  const { executable = 'img2pdf', ...rest } = options;
  const runner = new CommandRunner({
    size: 1,
    timeoutMs: 120_000,
    memoryLimitMb: 1024,
    ...rest,
    command: executable,
    name: 'img2pdf',
  });

  const convert: Img2pdf['convert'] = async (imagePath, outputPath, opts = {}) => {
    const result = await runner.run([imagePath, '-o', outputPath], opts);
    if (result.exitCode !== 0) {
      const reason = result.stderr
        .split('\n')
        .find((l) => /error/i.test(l))
        ?.replace(/^.*error:\s*/i, '');
      throw new CorruptPdfError(`the image cannot be read${reason ? `: ${reason.slice(0, 200)}` : ''}`, {
        cause: { exitCode: result.exitCode, stderr: result.stderr },
      });
    }
  };

  return { convert, stats: () => runner.stats(), close: () => runner.close() };
}
