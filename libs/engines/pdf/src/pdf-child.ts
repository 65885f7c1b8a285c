/**
 * Child module of the pdf.js pool: inspects one PDF per task. Loaded by the supervisor's bootstrap, so workspace
 * libraries are imported as types only.
 */
import { readFile } from 'node:fs/promises';
import type { ChildHandler } from '@quire/engine-supervisor';

export interface InspectRequest {
  path: string;
}

export interface InspectResponse {
  pages: number;
  encrypted: boolean;
  pdfVersion?: string;
  title?: string;
}

// Loaded before the child reports ready, so the first task does not pay for it.
const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');

const inspect: ChildHandler<InspectRequest, InspectResponse> = async ({ path }) => {
  // pdf.js would detach a Node Buffer's shared pool; a plain Uint8Array copy is what it expects.
  const data = new Uint8Array(await readFile(path));
  const loading = pdfjs.getDocument({
    data,
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await loading.promise;
    const response: InspectResponse = { pages: doc.numPages, encrypted: false };
    try {
      const info = (await doc.getMetadata()).info as unknown as Record<string, unknown>;
      response.encrypted = typeof info.EncryptFilterName === 'string' && info.EncryptFilterName !== '';
      if (typeof info.PDFFormatVersion === 'string' && info.PDFFormatVersion)
        response.pdfVersion = info.PDFFormatVersion;
      if (typeof info.Title === 'string' && info.Title.trim()) response.title = info.Title.trim();
    } catch {
      // Damaged metadata does not make the document unreadable; the page count is what matters.
    }
    return response;
  } finally {
    await loading.destroy();
  }
};

export default inspect;
