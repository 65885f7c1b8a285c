/**
 * Every job param schema against random JSON (what a client can put in the `params` part): validation never throws
 * anything but a ZodError, and params generated within the contract are accepted, keep their values and survive
 * the JSONB round-trip to the job row unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { COMPRESSION_PRESETS, JOB_TYPES, OCR_LANGUAGES, jobParamSchemas, type JobType } from './job-catalog';
import { PAGE_RANGE_LIMITS } from './page-ranges';

const pageSpec = fc
  .array(
    fc
      .tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 50 }), fc.boolean())
      .map(([start, len, open]) =>
        open ? `${start}-` : len === 0 ? String(start) : `${start}-${start + len}`,
      ),
    { minLength: 1, maxLength: 20 },
  )
  .map((parts) => parts.join(','));

const mode = fc.constantFrom('auto', 'layout', 'llm');
const format = fc.constantFrom('json', 'csv', 'xlsx');

/** Valid params of each type, optional keys sometimes left out (defaults must fill them). */
const validParams: { [T in JobType]: fc.Arbitrary<Record<string, unknown>> } = {
  compress: fc.record({ preset: fc.constantFrom(...COMPRESSION_PRESETS) }, { requiredKeys: [] }),
  'bulk-compress': fc.record({ preset: fc.constantFrom(...COMPRESSION_PRESETS) }, { requiredKeys: [] }),
  'convert-to-images': fc.record(
    {
      format: fc.constantFrom('png', 'jpeg'),
      dpi: fc.integer({ min: 36, max: 600 }),
      pages: pageSpec,
      quality: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: [] },
  ),
  merge: fc.record({ ranges: fc.array(pageSpec, { maxLength: 50 }) }, { requiredKeys: [] }),
  split: fc.oneof(
    fc.record({ mode: fc.constant('ranges'), ranges: fc.array(pageSpec, { minLength: 1, maxLength: 30 }) }),
    fc.record({
      mode: fc.constant('every'),
      every: fc.integer({ min: 1, max: PAGE_RANGE_LIMITS.maxPageNumber }),
    }),
    fc.record({ mode: fc.constant('pages') }),
  ),
  ocr: fc.record(
    {
      languages: fc.uniqueArray(fc.constantFrom(...OCR_LANGUAGES), { minLength: 1, maxLength: 4 }),
      mode: fc.constantFrom('skip-text', 'force', 'redo'),
      rotate: fc.boolean(),
      deskew: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  redact: fc.record(
    {
      mode: fc.constantFrom('redact', 'detect'),
      types: fc.uniqueArray(fc.constantFrom('email', 'phone', 'iban', 'card', 'person'), {
        minLength: 1,
        maxLength: 5,
      }),
      minConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
      region: fc.constantFrom('DE', 'GB', 'US'),
      keepInput: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  'extract-text': fc.record(
    { pages: pageSpec, ocr: fc.constantFrom('auto', 'never', 'always') },
    { requiredKeys: [] },
  ),
  'extract-invoice': fc.record({ mode, format }, { requiredKeys: [] }),
  'extract-bank-statement': fc.record({ mode, format }, { requiredKeys: [] }),
  'categorize-transactions': fc.record({
    sourceJobId: fc.uuid(),
    rules: fc.array(
      fc.oneof(
        fc.record({
          category: fc.string({ minLength: 1, maxLength: 20 }).filter((c) => c.trim() === c && c.length > 0),
          field: fc.constant('description'),
          op: fc.constantFrom('contains', 'equals'),
          value: fc.string({ minLength: 1, maxLength: 50 }),
        }),
        fc.record({
          category: fc.constantFrom('food', 'rent', 'income'),
          field: fc.constant('amount'),
          op: fc.constantFrom('gt', 'lt', 'equals'),
          value: fc.integer({ min: -100_000_000, max: 100_000_000 }).map((cents) => cents / 100),
        }),
        fc.record({
          category: fc.constant('q1'),
          field: fc.constant('date'),
          op: fc.constant('between'),
          value: fc.constant(['2026-01-01', '2026-03-31']),
        }),
        fc.record({
          category: fc.constant('subscriptions'),
          field: fc.constant('description'),
          op: fc.constant('regex'),
          value: fc.constantFrom('^netflix', 'spotify|deezer', '(a+)+$', 'x{2,5}y'),
        }),
      ),
      { minLength: 1, maxLength: 20 },
    ),
  }),
  'statement-report': fc.record(
    { sourceJobId: fc.uuid(), format: fc.constantFrom('xlsx', 'csv'), includeVat: fc.boolean() },
    { requiredKeys: ['sourceJobId'] },
  ),
  'cleanup-temp-files': fc.record(
    { maxAgeHours: fc.double({ min: 1, max: 720, noNaN: true }) },
    { requiredKeys: [] },
  ),
  'cleanup-expired-jobs': fc.constant({}),
  'health-check': fc.constant({}),
  'recover-stuck-jobs': fc.constant({}),
};

/** Random JSON, and near-misses: the right keys with random values. */
const hostileParams = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.constantFrom(
      'pages',
      'ranges',
      'mode',
      'every',
      'dpi',
      'quality',
      'format',
      'preset',
      'languages',
      'ocr',
      'maxAgeHours',
      'sourceJobId',
      'rules',
      'includeVat',
      '__proto__',
      'constructor',
    ),
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 5_000 }),
      fc.array(fc.string({ maxLength: 3_000 }), { maxLength: 300 }),
      fc.double(),
      fc.constant('1-,'.repeat(1_000)),
    ),
  ),
);

describe('job param schemas (properties)', () => {
  it('has a generator for every job type', () => {
    expect(Object.keys(validParams).sort()).toEqual([...JOB_TYPES].sort());
  });

  it.each(JOB_TYPES)('%s: random JSON is accepted or refused with a ZodError, nothing else', (type) => {
    fc.assert(
      fc.property(hostileParams, (raw) => {
        try {
          jobParamSchemas[type].parse(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(ZodError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each(JOB_TYPES)('%s: valid params are accepted and survive the JSONB round-trip', (type) => {
    const schema = jobParamSchemas[type];
    fc.assert(
      fc.property(validParams[type], (raw) => {
        const parsed = schema.parse(raw) as Record<string, unknown>;
        // What the client sent is kept; defaults only fill what was left out.
        expect(parsed).toMatchObject(raw);
        // Stored as JSONB on the job row and parsed again by the worker: nothing changes.
        const stored = JSON.parse(JSON.stringify(parsed)) as unknown;
        expect(schema.parse(stored)).toEqual(parsed);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses selections past the bounds with a 400-style issue', () => {
    const tooMany = Array.from({ length: PAGE_RANGE_LIMITS.maxRanges + 1 }, () => '1-').join(',');
    expect(jobParamSchemas['convert-to-images'].safeParse({ pages: tooMany }).success).toBe(false);
    expect(jobParamSchemas['extract-text'].safeParse({ pages: tooMany }).success).toBe(false);
    expect(jobParamSchemas.merge.safeParse({ ranges: Array.from({ length: 51 }, () => '1') }).success).toBe(
      false,
    );
    expect(
      jobParamSchemas.split.safeParse({ mode: 'ranges', ranges: Array.from({ length: 1_001 }, () => '1') })
        .success,
    ).toBe(false);
    expect(jobParamSchemas.split.safeParse({ mode: 'every', every: 1e308 }).success).toBe(false);
  });
});
