import { describe, expect, it } from 'vitest';
import { JOB_TYPES, type JobType } from './job-catalog';
import { jobResultSchemas, type JobResult } from './job-results';

const pdf = (name: string, pages: number) => ({
  name,
  key: `jobs/0b7e/output/${name}`,
  bytes: 1234,
  contentType: 'application/pdf' as const,
  pages,
});

/** One realistic result per job type, shaped as its handler returns it today (or as the contract says). */
const samples: { [T in JobType]: JobResult<T> } = {
  compress: {
    preset: 'ebook',
    inputBytes: 2000,
    outputBytes: 1234,
    ratio: 0.617,
    pages: 3,
    keptOriginal: false,
    outputs: [pdf('report.compressed.pdf', 3)],
  },
  'bulk-compress': {
    preset: 'lossless',
    files: 2,
    succeeded: 1,
    failed: 1,
    inputBytes: 2000,
    outputBytes: 1500,
    ratio: 0.75,
    items: [
      {
        index: 0,
        name: 'a.pdf',
        entry: 'a.compressed.pdf',
        status: 'compressed',
        inputBytes: 2000,
        outputBytes: 1500,
        pages: 2,
        ratio: 0.75,
        keptOriginal: false,
      },
      {
        index: 1,
        name: 'b.pdf',
        status: 'failed',
        error: { code: 'PDF_ENCRYPTED', message: 'password required' },
      },
    ],
    errors: [{ index: 1, name: 'b.pdf', code: 'PDF_ENCRYPTED', message: 'password required' }],
    outputs: [
      {
        name: 'compressed.zip',
        key: 'jobs/x/output/compressed.zip',
        bytes: 1600,
        files: 1,
        contentType: 'application/zip',
      },
    ],
  },
  'convert-to-images': {
    format: 'jpeg',
    dpi: 72,
    quality: 40,
    pageCount: 3,
    pages: 1,
    outputs: [
      {
        name: 'three-page-2.jpg',
        key: 'jobs/x/output/three-page-2.jpg',
        bytes: 900,
        page: 2,
        width: 612,
        height: 792,
        contentType: 'image/jpeg',
      },
    ],
  },
  merge: {
    pages: 4,
    inputs: [
      { name: 'alpha.pdf', pageCount: 3, pages: 2, range: '3,1' },
      { name: 'beta.pdf', pageCount: 2, pages: 2, range: '1-2' },
    ],
    metadataFrom: 'alpha.pdf',
    outputs: [pdf('alpha-merged.pdf', 4)],
  },
  split: {
    mode: 'every',
    every: 2,
    pageCount: 3,
    parts: 2,
    repairs: ['file is damaged'],
    outputs: [
      { ...pdf('five-pages-1-2.pdf', 2), range: '1-2' },
      { ...pdf('five-page-3.pdf', 1), range: '3' },
    ],
  },
  ocr: {
    mode: 'skip-text',
    languages: ['eng', 'deu'],
    pageCount: 2,
    pagesOcred: 1,
    averageConfidence: 91.3,
    pages: [
      { page: 1, source: 'ocr', confidence: 91.3, chars: 420, rotated: 90 },
      { page: 2, source: 'text-layer', chars: 380 },
    ],
    text: 'one\ftwo',
    textTruncated: false,
    outputs: [pdf('scan-ocr.pdf', 2)],
  },
  'extract-text': {
    ocr: 'never',
    pageCount: 2,
    pages: [
      { page: 1, source: 'text-layer', chars: 12 },
      { page: 2, source: 'none', chars: 0 },
    ],
    warnings: ['no text on page 2'],
    text: 'hello world!\f',
    textTruncated: false,
    outputs: [
      { name: 'doc.txt', key: 'jobs/x/output/doc.txt', bytes: 13, contentType: 'text/plain; charset=utf-8' },
    ],
  },
  'extract-invoice': {
    invoice: {
      issuer: 'ACME GmbH',
      issuerVatId: 'DE123456789',
      invoiceNumber: 'R-2024-001',
      issueDate: '2024-03-01',
      dueDate: null,
      currency: 'EUR',
      subtotal: 100,
      tax: 19,
      total: 119,
      iban: 'DE89370400440532013000',
      lines: [{ description: 'Consulting', quantity: 2, unitPrice: 50, amount: 100 }],
    },
    validation: {
      passed: true,
      checks: [{ name: 'lines add up to subtotal', passed: true, detail: '100 = 100' }],
    },
    method: 'layout',
    warnings: [],
    outputs: [
      {
        name: 'invoice.json',
        key: 'jobs/x/output/invoice.json',
        bytes: 500,
        contentType: 'application/json',
      },
    ],
  },
  'extract-bank-statement': {
    statement: {
      bank: 'Example Bank',
      accountNumber: 'DE89370400440532013000',
      currency: 'EUR',
      openingBalance: 1000,
      closingBalance: 950.5,
      periodStart: '2024-01-01',
      periodEnd: '2024-01-31',
      transactions: [
        { date: '2024-01-05', description: 'Coffee', amount: -4.5, balance: 995.5 },
        { date: '2024-01-20', description: 'Rent', amount: -45, balance: null },
      ],
    },
    validation: {
      passed: false,
      checks: [{ name: 'balances carry over', passed: false, detail: '995.5 - 45 != 950.5' }],
    },
    method: 'both',
    warnings: ['page 2: balance column unreadable'],
    outputs: [
      { name: 'statement.csv', key: 'jobs/x/output/statement.csv', bytes: 90, contentType: 'text/csv' },
    ],
  },
  'categorize-transactions': {
    sourceJobId: '00000000-0000-4000-8000-000000000001',
    statement: {
      bank: null,
      accountNumber: null,
      currency: 'EUR',
      openingBalance: 1000,
      closingBalance: 995.5,
      periodStart: null,
      periodEnd: null,
      transactions: [
        { date: '2024-01-05', description: 'Coffee', amount: -4.5, balance: 995.5, category: 'food' },
      ],
    },
    totals: [{ category: 'food', count: 1, amount: -4.5 }],
    outputs: [],
  },
  redact: {
    mode: 'redact',
    source: 'recognisers',
    pageCount: 2,
    detections: [
      {
        type: 'email',
        page: 1,
        boxes: [[72, 90.5, 120.25, 14]],
        confidence: 0.99,
        recogniser: 'email',
        via: 'text-layer',
      },
    ],
    counts: { email: 1 },
    pages: [{ page: 1, counts: { email: 1 } }],
    pagesChanged: [1],
    pagesRead: { textLayer: 2, ocr: 0 },
    uncheckedPages: [],
    removed: ['document information (Info)'],
    annotationsRemoved: 0,
    warnings: [],
    durationMs: 120,
    outputs: [
      {
        name: 'letter-redacted.pdf',
        key: 'jobs/x/output/letter-redacted.pdf',
        bytes: 900,
        contentType: 'application/pdf',
        pages: 2,
      },
    ],
  },
  'statement-report': {
    sourceJobId: '00000000-0000-4000-8000-000000000001',
    format: 'csv',
    includeVat: true,
    vatRatePercent: 19,
    transactions: 1,
    byCategory: [{ key: 'food', count: 1, moneyIn: 0, moneyOut: -4.5, net: -4.5, vat: -0.72 }],
    byMonth: [{ key: '2024-01', count: 1, moneyIn: 0, moneyOut: -4.5, net: -4.5, vat: -0.72 }],
    outputs: [
      {
        name: 'statement.csv',
        key: 'jobs/x/output/statement.csv',
        bytes: 90,
        contentType: 'text/csv; charset=utf-8',
      },
    ],
  },
  'cleanup-temp-files': {
    maxAgeHours: 24,
    cutoff: '2024-01-01T00:00:00.000Z',
    filesFreed: 3,
    bytesFreed: 4096,
    tempFiles: {
      root: '/tmp/quire',
      files: 2,
      dirs: 1,
      bytes: 4000,
      protectedJobs: 0,
      errors: 0,
      errorSamples: [],
    },
    storagePartials: { files: 1, bytes: 96, protected: 0, errors: 0 },
    orphanedJobFolders: { folders: 1, files: 2, bytes: 10, errors: 0 },
  },
  'cleanup-expired-jobs': {
    mode: 'mark',
    retentionDays: { completed: 7, failed: 30, cancelled: 7 },
    cutoffs: {
      completed: '2024-01-01T00:00:00.000Z',
      failed: '2023-12-09T00:00:00.000Z',
      cancelled: '2024-01-01T00:00:00.000Z',
    },
    expired: { completed: 2, failed: 0, cancelled: 1 },
    jobsExpired: 3,
    bytesFreed: 10_000,
    fileErrors: 0,
    moreRemaining: false,
  },
  'recover-stuck-jobs': {
    stuckAfterMs: 120_000,
    recovered: { retrying: 1, failed: 1, cancelled: 0 },
    jobs: [
      { id: 'j1', type: 'compress', queue: 'compression', attempt: 2, outcome: 'retrying' },
      { id: 'j2', type: 'ocr', queue: 'ocr', attempt: 4, outcome: 'failed' },
    ],
  },
  'health-check': {
    status: 'degraded',
    checkedAt: '2024-01-01T00:00:00.000Z',
    problems: ['queue ocr has 3 message(s) and no consumer'],
    broker: { reachable: true, latencyMs: 3.2 },
    database: { reachable: false, latencyMs: null, error: 'connection refused' },
    queues: {
      available: true,
      items: [
        { queue: 'ocr', declared: true, messages: 3, ready: 3, unacked: 0, consumers: 0, deadLetters: 0 },
      ],
    },
    disk: [
      { role: 'temp', path: '/tmp/quire', totalBytes: 100, freeBytes: 50, freePercent: 50, low: false },
      { role: 'storage', path: '/data', error: 'EACCES' },
    ],
    staleJobs: {
      staleAfterMs: 30_000,
      count: 1,
      jobs: [{ id: 'j1', type: 'ocr', queue: 'ocr', attempts: 1, heartbeatAt: null }],
    },
    earlyCleanup: { triggered: false },
  },
};

describe('job result schemas', () => {
  it('has one for every job type of the catalog', () => {
    expect(Object.keys(jobResultSchemas).sort()).toEqual([...JOB_TYPES].sort());
  });

  it.each(JOB_TYPES)('accepts a result of %s as its handler writes it', (type) => {
    const parsed = jobResultSchemas[type].safeParse(samples[type]);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('rejects a field no schema lists, an output without its key and a wrong content type', () => {
    const compress = jobResultSchemas.compress;
    const extra = compress.safeParse({ ...samples.compress, surprise: 1 });
    expect(extra.success ? [] : extra.error.issues.map((i) => i.code)).toEqual(['unrecognized_keys']);
    const { key: _key, ...withoutKey } = samples.compress.outputs[0];
    expect(compress.safeParse({ ...samples.compress, outputs: [withoutKey] }).success).toBe(false);
    const png = { ...samples.compress.outputs[0], contentType: 'image/png' };
    expect(compress.safeParse({ ...samples.compress, outputs: [png] }).success).toBe(false);
  });

  it('holds the extraction contract: dates as YYYY-MM-DD, ISO currency, method layout|llm|both', () => {
    const statement = jobResultSchemas['extract-bank-statement'];
    const sample = samples['extract-bank-statement'];
    const badDate = { ...sample.statement.transactions[0], date: '05.01.2024' };
    expect(
      statement.safeParse({ ...sample, statement: { ...sample.statement, transactions: [badDate] } }).success,
    ).toBe(false);
    expect(
      statement.safeParse({ ...sample, statement: { ...sample.statement, currency: 'euro' } }).success,
    ).toBe(false);
    expect(statement.safeParse({ ...sample, method: 'ocr' }).success).toBe(false);
    // What @quire/extraction gives for an e-invoice: method xml, taxes per rate, a value the document lacks is null.
    const invoice = samples['extract-invoice'];
    const fromXml = {
      ...invoice,
      method: 'xml',
      invoice: {
        ...invoice.invoice,
        total: null,
        currency: null,
        taxes: [{ rate: 19, base: 100, amount: 19 }],
      },
    };
    expect(jobResultSchemas['extract-invoice'].safeParse(fromXml).success).toBe(true);
    expect(statement.safeParse({ ...sample, method: 'xml' }).success).toBe(false);
    const { validation: _validation, ...noValidation } = samples['extract-invoice'];
    expect(jobResultSchemas['extract-invoice'].safeParse(noValidation).success).toBe(false);
  });
});
