/** @quire/engine-img2pdf: img2pdf (images onto PDF pages, lossless) as a supervised engine. See README.md. */
export { createImg2pdf, type Img2pdf, type Img2pdfOptions } from './img2pdf';
