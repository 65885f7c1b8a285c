/**
 * @quire/engine-mupdf: MuPDF (npm `mupdf`, WebAssembly, AGPL-3.0 like Ghostscript) as a supervised engine: text
 * with a box per character, page rendering, true redaction (glyphs, image pixels, annotations and form fields
 * removed; a fresh file without earlier revisions) and images placed on PDF pages. Knows no job. See README.md.
 */
export {
  createMupdf,
  type DecryptResponse,
  toMupdfError,
  type ImageToPdfResponse,
  type Mupdf,
  type MupdfCallOptions,
  type MupdfOptions,
  type PageKind,
  type PageRead,
  type ReadResponse,
  type Rect,
  type RedactResponse,
  type RenderResponse,
} from './mupdf-engine';
