import { describe, expect, it } from 'vitest';
import { makeNumberedPdf, makePdf, pdfPageTexts } from './index';

describe('pdf fixtures', () => {
  it('writes pages whose text an independent reader (pdf.js) gets back, in order', async () => {
    const pdf = makePdf([{ lines: ['Hello (fixture)', 'second line'] }, { lines: [] }, { imagePx: 8 }]);
    expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(await pdfPageTexts(pdf)).toEqual(['Hello (fixture) second line', '', '']);
  });

  it('numbers the pages of makeNumberedPdf', async () => {
    expect(await pdfPageTexts(makeNumberedPdf(3))).toEqual(['Page 1 of 3', 'Page 2 of 3', 'Page 3 of 3']);
  });
});
