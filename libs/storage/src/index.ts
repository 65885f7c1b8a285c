export type { BlobStore } from './blob-store';
export { LocalBlobStore } from './local-blob-store';
export { jobKeys } from './keys';
