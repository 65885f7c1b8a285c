import { describe, expect, it } from 'vitest';
import { buildParams, catalogFromOpenApi, describeParams, jobTypeInfo, parseParamFlag } from './catalog';
import { UsageError } from './exit-codes';
import { planJobs } from './inputs';

/** The shape the gateway's /openapi.json gives submit operations (apps/gateway/src/http/openapi.ts). */
const files = (min: number, max: number) => ({
  type: 'array',
  items: { type: 'string', format: 'binary' },
  minItems: min,
  maxItems: max,
});
const multipart = (file: unknown, params: unknown) => ({
  'multipart/form-data': { schema: { type: 'object', properties: { ...(file ? { file } : {}), params } } },
});
const DOC = {
  openapi: '3.1.0',
  paths: {
    '/v1/jobs/compress': {
      post: {
        requestBody: {
          content: multipart(files(1, 1), {
            type: 'object',
            properties: { preset: { type: 'string', enum: ['lossless', 'ebook'], default: 'lossless' } },
          }),
        },
      },
    },
    '/v1/jobs/merge': {
      post: {
        requestBody: {
          content: multipart(files(2, 50), {
            type: 'object',
            properties: { ranges: { type: 'array', items: { type: 'string' } } },
          }),
        },
      },
    },
    '/v1/jobs/split': {
      post: {
        requestBody: {
          content: multipart(files(1, 1), {
            anyOf: [
              {
                type: 'object',
                properties: {
                  mode: { type: 'string', enum: ['ranges'] },
                  ranges: { type: 'array', items: { type: 'string' } },
                },
                required: ['mode', 'ranges'],
              },
              {
                type: 'object',
                properties: {
                  mode: { type: 'string', enum: ['every'] },
                  every: { type: 'integer', minimum: 1 },
                },
                required: ['mode', 'every'],
              },
            ],
          }),
        },
      },
    },
    '/v1/jobs/ocr': {
      post: {
        requestBody: {
          content: multipart(files(1, 1), {
            type: 'object',
            properties: {
              languages: { type: 'array', items: { type: 'string', enum: ['eng', 'deu'] } },
              deskew: { type: 'boolean' },
            },
          }),
        },
      },
    },
    '/v1/jobs/statement-report': {
      post: {
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { sourceJobId: { type: 'string' } },
                required: ['sourceJobId'],
              },
            },
            ...multipart(undefined, { type: 'object' }),
          },
        },
      },
    },
    '/v1/jobs': { get: {} },
    '/v1/jobs/{id}/retry': { post: {} },
  },
};

describe('catalog from the server’s /openapi.json', () => {
  const catalog = catalogFromOpenApi(DOC);

  it('lists the submit operations with their file counts, and nothing else', () => {
    expect([...catalog.keys()].sort()).toEqual(['compress', 'merge', 'ocr', 'split', 'statement-report']);
    expect(catalog.get('merge')).toMatchObject({ minFiles: 2, maxFiles: 50 });
    expect(catalog.get('statement-report')).toMatchObject({ minFiles: 0, maxFiles: 0 });
    expect(() => jobTypeInfo(catalog, 'nope')).toThrow(
      /unknown job type "nope"; this server offers: compress/,
    );
  });

  it('converts --param values to what the schema expects', () => {
    const ocr = catalog.get('ocr')!;
    expect(parseParamFlag(ocr, 'languages=eng,deu')).toEqual(['languages', ['eng', 'deu']]);
    expect(parseParamFlag(ocr, 'languages=["eng"]')).toEqual(['languages', ['eng']]);
    expect(parseParamFlag(ocr, 'deskew=yes')).toEqual(['deskew', true]);
    expect(() => parseParamFlag(ocr, 'deskew=maybe')).toThrow(/not true or false/);
    const split = catalog.get('split')!;
    expect(parseParamFlag(split, 'every=2')).toEqual(['every', 2]);
    expect(parseParamFlag(split, 'mode=every')).toEqual(['mode', 'every']);
    expect(() => parseParamFlag(split, 'every=two')).toThrow(/not a number/);
    expect(parseParamFlag(catalog.get('compress')!, 'preset=ebook')).toEqual(['preset', 'ebook']);
  });

  it('refuses a param the type does not have, naming the ones it has', () => {
    expect(() => parseParamFlag(catalog.get('compress')!, 'quality=9')).toThrow(
      new UsageError('compress has no param "quality" (its params: preset)'),
    );
    expect(() => parseParamFlag(catalog.get('compress')!, 'preset')).toThrow(/key=value/);
  });

  it('merges --params-json with --param on top', () => {
    expect(buildParams(catalog.get('split')!, '{"mode":"ranges","ranges":["1"]}', ['ranges=1-2,3'])).toEqual({
      mode: 'ranges',
      ranges: ['1-2', '3'],
    });
    expect(() => buildParams(catalog.get('split')!, '[1]', [])).toThrow(/JSON object/);
    expect(() => buildParams(catalog.get('split')!, '{', [])).toThrow(/invalid JSON/);
  });

  it('describes params for `quire types <type>`', () => {
    expect(describeParams(catalog.get('compress')!)).toEqual([
      'preset: "lossless"|"ebook" (default "lossless")',
    ]);
    // A union: mode is required in every branch and lists every branch's value; every/ranges belong to one branch.
    expect(describeParams(catalog.get('split')!)).toEqual([
      'mode (required): "ranges"|"every"',
      'ranges: array of string',
      'every: integer 1..',
    ]);
  });

  it('plans one job per file for single-file types, one job for multi-file types', () => {
    expect(planJobs(catalog.get('compress')!, ['a.pdf', 'b.pdf'])).toEqual([['a.pdf'], ['b.pdf']]);
    expect(planJobs(catalog.get('merge')!, ['a.pdf', 'b.pdf'])).toEqual([['a.pdf', 'b.pdf']]);
    expect(() => planJobs(catalog.get('merge')!, ['a.pdf'])).toThrow(/at least 2 files/);
    expect(() =>
      planJobs(
        catalog.get('merge')!,
        Array.from({ length: 51 }, (_, i) => `${i}.pdf`),
      ),
    ).toThrow(/at most 50 files/);
    expect(planJobs(catalog.get('statement-report')!, [])).toEqual([[]]);
    expect(() => planJobs(catalog.get('statement-report')!, ['a.pdf'])).toThrow(/takes no file/);
  });
});
