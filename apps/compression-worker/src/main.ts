import { createGhostscript } from '@quire/engine-ghostscript';
import { closeDefaultPdfEngine } from '@quire/engine-pdf';
import { startWorker } from '@quire/worker-runtime';
import { loadCompressionWorkerConfig } from './config';
import { bulkCompressHandler } from './handlers/bulk-compress.handler';
import { compressHandler } from './handlers/compress.handler';
import { compressionPolicy } from './policy';

const config = loadCompressionWorkerConfig();
const policy = compressionPolicy({ retryDelaysMs: config.QUIRE_RETRY_DELAYS_MS });
const gs = createGhostscript({
  size: config.QUIRE_GS_CHILDREN,
  timeoutMs: config.QUIRE_GS_TIMEOUT_MAX_MS,
  memoryLimitMb: config.QUIRE_GS_MAX_RSS_MB,
  maxTasksPerChild: config.QUIRE_GS_RECYCLE_AFTER,
});

await startWorker({
  service: 'compression-worker',
  config,
  policy,
  handlers: {
    compress: compressHandler(gs, {
      timeoutMs: ({ pages }) =>
        Math.min(
          config.QUIRE_GS_TIMEOUT_MAX_MS,
          config.QUIRE_GS_TIMEOUT_MS + pages * config.QUIRE_GS_TIMEOUT_PER_PAGE_MS,
        ),
    }),
    'bulk-compress': bulkCompressHandler(gs, {
      timeoutMs: ({ pages }) =>
        Math.min(
          config.QUIRE_GS_TIMEOUT_MAX_MS,
          config.QUIRE_GS_TIMEOUT_MS + pages * config.QUIRE_GS_TIMEOUT_PER_PAGE_MS,
        ),
    }),
  },
  closeables: [gs, { close: closeDefaultPdfEngine }],
});
