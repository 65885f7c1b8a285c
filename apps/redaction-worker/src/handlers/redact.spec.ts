/**
 * The redact handler with its real engines on generated inputs, through the worker's own JobContext: results
 * checked against the result schema, the stored output free of the values, an image upload, `keepInput: false`,
 * a bad custom regex and the audit outcome (counts only). The source-job path and the audit table are covered
 * end to end (tests/e2e/redaction.e2e.spec.ts) with the real database.
 */
import { readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@quire/errors';
import type { RedactionAuditOutcome } from '@quire/job-model';
import { makePdf, makeTextPng, pdfPageTexts } from '@quire/pdf-fixtures';
import { createTestJobContext as testJob, expectValidResult } from '@quire/worker-testing';
import { createRedactionEngines } from '../engines';
import { loadRedactionWorkerConfig } from '../config';
import { redactHandler, type RedactDeps } from './redact.handler';

const EMAIL = 'max.mustermann@example.org';

describe('redact handler', () => {
  let work: string;
  let deps: RedactDeps;
  let closeables: Array<{ close(): Promise<void> }>;
  const outcomes: Array<{ jobId: string; outcome: RedactionAuditOutcome }> = [];
  let letter: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'quire-redact-handler-'));
    letter = path.join(work, 'letter.pdf');
    await writeFile(
      letter,
      makePdf([{ lines: [`Please reply to ${EMAIL} soon.`, 'Regards.'] }, { lines: ['Nothing here.'] }]),
    );
    const config = loadRedactionWorkerConfig({
      QUIRE_AMQP_URL: 'amqp://localhost',
      QUIRE_DATABASE_URL: 'postgres://localhost/quire',
      QUIRE_STORAGE_DIR: work,
      QUIRE_OCR_DPI: '200',
    });
    const created = createRedactionEngines(config);
    closeables = created.closeables;
    deps = {
      engines: created.engines,
      jobs: { findForTenant: () => Promise.resolve(null) },
      audit: {
        recordOutcome: (job, outcome) => {
          outcomes.push({ jobId: job.id, outcome });
          return Promise.resolve();
        },
      },
    };
  });
  afterAll(async () => {
    await Promise.all(closeables.map((c) => c.close()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('redacts a digital PDF; keepInput false deletes the upload; temp files are gone; the audit has counts only', async () => {
    const t = await testJob(work, 'redact', { keepInput: false }, [{ path: letter, name: 'letter.pdf' }]);
    const result = await redactHandler(deps)(t.ctx);
    expectValidResult('redact', result);
    expect(result).toMatchObject({
      mode: 'redact',
      source: 'recognisers',
      pageCount: 2,
      counts: { email: 1 },
      pages: [{ page: 1, counts: { email: 1 } }],
      pagesChanged: [1],
      outputs: [{ name: 'letter-redacted.pdf', contentType: 'application/pdf', pages: 2 }],
    });
    const texts = await pdfPageTexts(t.outputFile(result.outputs[0]?.key ?? ''));
    expect(texts.join(' ')).not.toContain('mustermann');
    expect(texts[0]).toContain('Please reply to');
    expect(t.progress.map((p) => p.stage)).toEqual(
      expect.arrayContaining(['initialising', 'recognising', 'redacting', 'finalising']),
    );
    expect(await t.storage.list(`jobs/${t.ctx.job.id}/input`)).toEqual([]);
    expect(await readdir(t.ctx.tempDir)).toEqual([]);
    const audit = outcomes.find((o) => o.jobId === t.ctx.job.id);
    expect(audit?.outcome).toEqual({
      counts: { email: 1 },
      pages: [{ page: 1, counts: { email: 1 } }],
      pagesChanged: [1],
    });
    expect(JSON.stringify(audit)).not.toContain('mustermann');
    expect(JSON.stringify(result)).not.toContain('mustermann');
  });

  it('detect mode leaves the document alone and keeps the upload', async () => {
    const t = await testJob(work, 'redact', { mode: 'detect', types: ['email'] }, [
      { path: letter, name: 'letter.pdf' },
    ]);
    const result = await redactHandler(deps)(t.ctx);
    expectValidResult('redact', result);
    expect(result).toMatchObject({ mode: 'detect', outputs: [], pagesChanged: [], counts: { email: 1 } });
    expect(await t.storage.list(`jobs/${t.ctx.job.id}/input`)).toHaveLength(1);
  });

  it('an image upload is read by OCR and comes back as a redacted PDF', async () => {
    const png = path.join(work, 'note.png');
    await writeFile(png, await makeTextPng([`Mail ${EMAIL}`, 'Have a nice day'], 200));
    const t = await testJob(work, 'redact', {}, [{ path: png, name: 'note.png' }]);
    const result = await redactHandler(deps)(t.ctx);
    expectValidResult('redact', result);
    expect(result).toMatchObject({
      pagesRead: { textLayer: 0, ocr: 1 },
      counts: { email: 1 },
      pagesChanged: [1],
    });
  });

  it('a custom regex RE2 cannot run is refused before the job exists', async () => {
    await expect(
      testJob(work, 'redact', { custom: { regexes: [{ pattern: '(a+)+\\1' }] } }, [
        { path: letter, name: 'l.pdf' },
      ]),
    ).rejects.toThrow(/custom\.regexes\.0\.pattern/);
    await expect(
      testJob(work, 'redact', { custom: { regexes: [{ pattern: '(a+)+\\1' }] } }, [
        { path: letter, name: 'l.pdf' },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
