import { createGhostscript } from '@quire/engine-ghostscript';
import { createPdfEngine } from '@quire/engine-pdf';
import { createQpdf } from '@quire/engine-qpdf';
import { startWorker } from '@quire/worker-runtime';
import { loadConversionWorkerConfig } from './config';
import { convertToImagesFanOut } from './fan-out';
import { convertToImagesHandler } from './handlers/convert-to-images.handler';
import { mergeHandler } from './handlers/merge.handler';
import { splitHandler } from './handlers/split.handler';
import { conversionPolicy } from './policy';
import { scaledDeadline } from './support';

const config = loadConversionWorkerConfig();
const policy = conversionPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const gs = createGhostscript({
  size: config.QUIRE_GS_CHILDREN,
  timeoutMs: config.QUIRE_GS_TIMEOUT_MAX_MS,
  memoryLimitMb: config.QUIRE_GS_MAX_RSS_MB,
  maxTasksPerChild: config.QUIRE_GS_RECYCLE_AFTER,
});
const pdf = createPdfEngine({ timeoutMs: config.QUIRE_PDF_TIMEOUT_MS });
const qpdf = createQpdf({
  timeoutMs: config.QUIRE_QPDF_TIMEOUT_MAX_MS,
  memoryLimitMb: config.QUIRE_QPDF_MAX_RSS_MB,
});
const limits = {
  maxPages: config.QUIRE_CONVERSION_MAX_PAGES,
  maxOutputs: config.QUIRE_CONVERSION_MAX_OUTPUTS,
  maxPixelsPerPage: config.QUIRE_CONVERSION_MAX_PIXELS,
};
const renderDeadline = scaledDeadline(
  config.QUIRE_GS_TIMEOUT_MS,
  config.QUIRE_GS_TIMEOUT_PER_PAGE_MS,
  config.QUIRE_GS_TIMEOUT_MAX_MS,
);
const qpdfDeadline = scaledDeadline(
  config.QUIRE_QPDF_TIMEOUT_MS,
  config.QUIRE_QPDF_TIMEOUT_PER_PAGE_MS,
  config.QUIRE_QPDF_TIMEOUT_MAX_MS,
);

await startWorker({
  service: 'conversion-worker',
  config,
  policy,
  handlers: {
    'convert-to-images': convertToImagesHandler({
      gs,
      pdf,
      limits,
      // Rendering time grows with the pixel count: (dpi / 150)² per page.
      renderTimeoutMs: ({ pages, dpi }) => renderDeadline(pages, (dpi / 150) ** 2),
      inspectTimeoutMs: config.QUIRE_PDF_TIMEOUT_MS,
    }),
    merge: mergeHandler({ qpdf, limits, timeoutMs: (pages) => qpdfDeadline(pages) }),
    split: splitHandler({ qpdf, limits, timeoutMs: (pages) => qpdfDeadline(pages) }),
  },
  closeables: [gs, pdf, qpdf],
  fanOut: {
    types: {
      'convert-to-images': convertToImagesFanOut({
        pdf,
        qpdf,
        limits,
        qpdfTimeoutMs: (pages) => qpdfDeadline(pages),
        inspectTimeoutMs: config.QUIRE_PDF_TIMEOUT_MS,
      }),
    },
    settings: { thresholdPages: config.QUIRE_FANOUT_PAGES, chunkPages: config.QUIRE_FANOUT_CHUNK_PAGES },
  },
});
