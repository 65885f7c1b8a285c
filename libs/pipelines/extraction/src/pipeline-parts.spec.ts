/**
 * The pipeline's pure parts: words back to text lines (what the model reads), the page-limited document text, and
 * the field-by-field comparison of a layout result with a model's. The whole pipeline with its engines is specified
 * by the AI extraction worker's handler specs and tests/e2e/extraction.e2e.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BankStatement, Word } from '@quire/extraction';
import { compareStatements } from './compare';
import { documentText } from './llm';
import { linesOf } from './read-document';

const word = (page: number, text: string, x: number, y: number): Word => ({
  page,
  text,
  x,
  y,
  width: 10 * text.length,
  height: 10,
});

const statement = (over: Partial<BankStatement> = {}): BankStatement => ({
  bank: 'Bank',
  accountNumber: null,
  currency: 'EUR',
  openingBalance: 10,
  closingBalance: 7,
  periodStart: null,
  periodEnd: null,
  transactions: [{ date: '2024-01-02', description: 'Coffee  shop', amount: -3, balance: 7, page: 1 }],
  method: 'layout',
  warnings: [],
  skippedRows: [],
  ...over,
});

describe('linesOf', () => {
  it('rebuilds lines top to bottom, left to right, page by page, with words a few points apart on one line', () => {
    const words = [
      word(2, 'second', 10, 100),
      word(1, 'world', 80, 51),
      word(1, 'hello', 10, 50),
      word(1, 'next', 10, 70),
    ];
    expect(linesOf(words)).toBe('hello world\nnext\nsecond');
  });
});

describe('documentText', () => {
  it('marks each page and keeps only the first pages, saying it cut', () => {
    const pages = [1, 2, 3].map((page) => ({ page, source: 'text-layer' as const, text: `text ${page}` }));
    expect(documentText(pages, 2)).toEqual({
      text: '--- page 1 ---\ntext 1\n--- page 2 ---\ntext 2',
      cut: true,
    });
    expect(documentText(pages, 5).cut).toBe(false);
  });
});

describe('compareStatements', () => {
  it('lists only the fields that differ (amounts to the cent, text whitespace- and case-insensitive)', () => {
    const model = statement({
      bank: 'BANK',
      currency: 'USD',
      closingBalance: 7.001,
      transactions: [{ date: '2024-01-03', description: 'coffee shop', amount: -3, balance: 7, page: 0 }],
    });
    expect(compareStatements(statement(), model)).toEqual([
      { field: 'currency', layout: 'EUR', llm: 'USD' },
      { field: 'transactions[0].date', layout: '2024-01-02', llm: '2024-01-03' },
    ]);
  });

  it('reports a different number of transactions', () => {
    expect(compareStatements(statement(), statement({ transactions: [] }))).toEqual([
      { field: 'transactions.length', layout: 1, llm: 0 },
    ]);
  });
});
