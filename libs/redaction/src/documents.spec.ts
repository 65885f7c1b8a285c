import { afterAll, describe, expect, it } from 'vitest';
import {
  closeTools,
  digitalDocuments,
  pdfPageLines,
  scoreDetections,
  type ScoredDetection,
} from '@quire/redaction-testing';
import { recognise, STRUCTURED_PII_TYPES } from './index';

// Recognition quality on the generated documents' text layers (docs/architecture.md §13 (redaction)): every planted
// structured value is found and few detections are wrong. Names and addresses are reported, held to a lower bar.

afterAll(() => closeTools());

describe('recognition on the generated digital documents', () => {
  it('finds every planted structured value with precision ≥ 95 %', async () => {
    const detections: ScoredDetection[] = [];
    const planted = [];
    for (const [d, doc] of digitalDocuments().entries()) {
      const pages = await pdfPageLines(doc.pdf);
      pages.forEach((text, i) => {
        for (const hit of recognise(text, { region: 'DE' }))
          detections.push({ type: hit.type, text: hit.text, page: d * 100 + i + 1 });
      });
      planted.push(...doc.planted.map((p) => ({ ...p, page: d * 100 + p.page })));
    }
    const scores = scoreDetections(planted, detections);
    for (const s of scores) {
      if (STRUCTURED_PII_TYPES.includes(s.type as never)) {
        expect({ type: s.type, recall: s.recall, missed: s.missed }).toEqual({
          type: s.type,
          recall: 1,
          missed: [],
        });
        expect(s.precision, `${s.type}: ${s.falsePositives.join(' | ')}`).toBeGreaterThanOrEqual(0.95);
      } else {
        expect(s.recall, `${s.type} missed: ${s.missed.join(' | ')}`).toBeGreaterThanOrEqual(0.9);
        expect(s.precision, `${s.type}: ${s.falsePositives.join(' | ')}`).toBeGreaterThanOrEqual(0.8);
      }
    }
  });
});
