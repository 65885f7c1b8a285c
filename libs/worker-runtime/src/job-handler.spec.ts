/**
 * Type-level tests: `npx nx run worker-runtime:typecheck` (tsc over src, specs included) fails when a
 * `@ts-expect-error` below stops being an error, i.e. when a handler returning the wrong shape would compile.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { JobResult } from '@quire/job-model';
import type { AnyJobHandler, JobContext, JobHandler } from './job-handler';

const pdfOutput = {
  name: 'a.compressed.pdf',
  key: 'jobs/1/output/a.compressed.pdf',
  bytes: 10,
  pages: 1,
  contentType: 'application/pdf' as const,
};
const compressResult: JobResult<'compress'> = {
  preset: 'screen',
  inputBytes: 20,
  outputBytes: 10,
  ratio: 0.5,
  pages: 1,
  keptOriginal: false,
  outputs: [pdfOutput],
};

describe('JobHandler<T>', () => {
  it('takes the context of its type and returns the result of its type', () => {
    expectTypeOf<Parameters<JobHandler<'split'>>[0]>().toEqualTypeOf<JobContext<'split'>>();
    expectTypeOf<ReturnType<JobHandler<'split'>>>().toEqualTypeOf<Promise<JobResult<'split'>>>();
    expectTypeOf<JobContext<'split'>['params']['mode']>().toEqualTypeOf<'ranges' | 'every' | 'pages'>();

    const good: JobHandler<'compress'> = () => Promise.resolve(compressResult);
    expectTypeOf(good).toMatchTypeOf<AnyJobHandler<'compress' | 'merge'>>();
  });

  it('does not compile a handler that returns another shape', () => {
    // @ts-expect-error a missing field (outputs)
    const missing: JobHandler<'compress'> = () => Promise.resolve({ ...compressResult, outputs: undefined });
    // @ts-expect-error a field of the wrong type
    const wrongType: JobHandler<'compress'> = () => Promise.resolve({ ...compressResult, ratio: '50%' });
    // @ts-expect-error a value outside its enum
    const badPreset: JobHandler<'compress'> = () => Promise.resolve({ ...compressResult, preset: 'tiny' });
    const png = { ...pdfOutput, contentType: 'image/png' as const };
    // @ts-expect-error an output whose content type is not the type's
    const badOutput: JobHandler<'compress'> = () => Promise.resolve({ ...compressResult, outputs: [png] });
    const split: JobResult<'split'> = { mode: 'pages', pageCount: 1, parts: 1, outputs: [] };
    // @ts-expect-error the result of another job type (a split result from a merge handler)
    const otherType: JobHandler<'merge'> = () => Promise.resolve(split);
    // @ts-expect-error the untyped record handlers used to return
    const untyped: JobHandler<'ocr'> = () => Promise.resolve({} as Record<string, unknown>);
    const extra: JobHandler<'compress'> = async (ctx): ReturnType<JobHandler<'compress'>> => {
      const pages = await Promise.resolve(ctx.params.preset === 'screen' ? 1 : 2);
      // @ts-expect-error a field the schema does not list (flagged because the return type is declared)
      return { ...compressResult, pages, surprise: 1 };
    };
    void [missing, wrongType, badPreset, badOutput, otherType, untyped, extra];
  });
});
