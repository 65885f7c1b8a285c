import { describe, expect, it } from 'vitest';
import type { JobEntity, JobResult } from '@quire/job-model';
import { presentedResultSchema, presentJob, presentResult, storedOutputs } from './job-presenter';

const JOB_ID = '0b7e3c4e-8f1a-4c55-9a3e-2f1d7a0c9b11';

const split: JobResult<'split'> = {
  mode: 'ranges',
  pageCount: 5,
  parts: 2,
  outputs: [
    {
      name: 'five-pages-1-3.pdf',
      key: `jobs/${JOB_ID}/output/five-pages-1-3.pdf`,
      bytes: 900,
      pages: 3,
      range: '1-3',
      contentType: 'application/pdf',
    },
    {
      name: 'five page 5.pdf',
      key: `jobs/${JOB_ID}/output/five page 5.pdf`,
      bytes: 400,
      pages: 1,
      range: '5',
      contentType: 'application/pdf',
    },
  ],
};

function jobWith(type: string, result: Record<string, unknown> | null): JobEntity {
  const at = new Date('2024-01-01T00:00:00Z');
  return {
    id: JOB_ID,
    type,
    status: 'completed',
    queue: 'conversion',
    params: {},
    inputs: [],
    progress: { percent: 100, stage: 'completed', message: 'done' },
    attempts: 1,
    error: null,
    result,
    cancelRequested: false,
    nextAttemptAt: null,
    startedAt: at,
    finishedAt: at,
    expiredAt: null,
    createdAt: at,
    updatedAt: at,
  } as unknown as JobEntity;
}

describe('job presenter', () => {
  it('presents a result by its type’s schema: download URLs instead of storage keys', () => {
    const presented = presentJob(jobWith('split', split)).result as JobResult<'split'>;
    expect(presented).toEqual({
      mode: 'ranges',
      pageCount: 5,
      parts: 2,
      outputs: [
        {
          name: 'five-pages-1-3.pdf',
          bytes: 900,
          pages: 3,
          range: '1-3',
          contentType: 'application/pdf',
          url: `/v1/jobs/${JOB_ID}/outputs/five-pages-1-3.pdf`,
        },
        {
          name: 'five page 5.pdf',
          bytes: 400,
          pages: 1,
          range: '5',
          contentType: 'application/pdf',
          url: `/v1/jobs/${JOB_ID}/outputs/five%20page%205.pdf`,
        },
      ],
    });
    // What is presented is what the OpenAPI document describes.
    expect(presentedResultSchema('split').safeParse(presented).success).toBe(true);
    expect(JSON.stringify(presented)).not.toContain('"key"');
  });

  it('still hides storage keys of a result stored before the schemas (shown as stored otherwise)', () => {
    const legacy = { pages: 2, outputs: [{ name: 'old.pdf', key: 'jobs/x/output/old.pdf', bytes: 3 }] };
    expect(presentResult(JOB_ID, 'merge', legacy)).toEqual({
      pages: 2,
      outputs: [{ name: 'old.pdf', bytes: 3, url: `/v1/jobs/${JOB_ID}/outputs/old.pdf` }],
    });
    const health = { status: 'ok', problems: [] };
    expect(presentResult(JOB_ID, 'health-check', health)).toEqual(health);
    expect(presentJob(jobWith('split', null)).result).toBeNull();
  });

  it('lists the stored outputs with their keys for downloads, skipping malformed entries', () => {
    expect(storedOutputs(jobWith('split', split)).map((o) => [o.name, o.key])).toEqual([
      ['five-pages-1-3.pdf', `jobs/${JOB_ID}/output/five-pages-1-3.pdf`],
      ['five page 5.pdf', `jobs/${JOB_ID}/output/five page 5.pdf`],
    ]);
    const odd = {
      outputs: [{ name: 'a.pdf', bytes: 1 }, 'junk', { name: 'b.pdf', key: 'jobs/x/output/b.pdf', bytes: 2 }],
    };
    expect(storedOutputs(jobWith('merge', odd)).map((o) => o.name)).toEqual(['b.pdf']);
    expect(storedOutputs(jobWith('merge', null))).toEqual([]);
  });
});
