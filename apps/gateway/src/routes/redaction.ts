import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GoneError, NotFoundError, ValidationError } from '@quire/errors';
import type { Mupdf } from '@quire/engine-mupdf';
import {
  jobParamSchemas,
  type JobEntity,
  type JobInput,
  type RedactionAuditRecord,
  type RedactionAuditSubmission,
} from '@quire/job-model';
import type { Logger } from '@quire/logging';
import type { BlobStore } from '@quire/storage';

/** What the gateway needs for `redact` jobs beyond the generic job routes. */
export interface RedactionRouteDeps {
  /** The audit trail (table `redaction_audit`). */
  audit: {
    recordSubmission(s: RedactionAuditSubmission): Promise<void>;
    find(jobId: string, tenantId: string): Promise<RedactionAuditRecord | null>;
  };
  /** Decrypts uploads given with `params.password` (MuPDF, supervised); only its `decrypt` is used. */
  mupdf: Pick<Mupdf, 'decrypt'>;
  /** Deadline of one decryption. */
  decryptTimeoutMs: number;
}

/**
 * `params.password` of a `redact` upload (docs/architecture.md §13 (redaction)): the stored PDF is replaced by its
 * decrypted copy here, at the gateway, and the password leaves the params before the job row is written; it is
 * never stored, logged or sent to a worker. A wrong password is a 422 (PDF_ENCRYPTED) before the job exists.
 */
export async function decryptUploads(
  deps: RedactionRouteDeps,
  storage: BlobStore,
  inputs: JobInput[],
  params: Record<string, unknown>,
): Promise<JobInput[]> {
  const password = params.password;
  delete params.password;
  if (typeof password !== 'string') return inputs;
  const dir = await mkdtemp(path.join(tmpdir(), 'quire-decrypt-'));
  try {
    const out: JobInput[] = [];
    for (const [i, input] of inputs.entries()) {
      if (input.contentType !== 'application/pdf') {
        out.push(input);
        continue;
      }
      const locked = path.join(dir, `${i}-locked.pdf`);
      const open = path.join(dir, `${i}-open.pdf`);
      await storage.copyToFile(input.key, locked);
      const { decrypted } = await deps.mupdf.decrypt(locked, {
        password,
        outputPath: open,
        timeoutMs: deps.decryptTimeoutMs,
      });
      if (!decrypted) {
        out.push(input);
        continue;
      }
      const { bytes } = await storage.copyFromFile(open, input.key);
      out.push({ ...input, bytes });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The source of a reviewer's boxes (`sourceJobId` on a `redact` JSON body), after the generic derived-job checks:
 * a `detect` job whose document is still stored.
 */
export async function checkDetectSource(storage: BlobStore, source: JobEntity): Promise<void> {
  const params = jobParamSchemas.redact.safeParse(source.params);
  if (!params.success || params.data.mode !== 'detect') {
    throw new ValidationError(`sourceJobId: job ${source.id} is not a detect job (mode "detect")`, {
      details: { field: 'sourceJobId' },
    });
  }
  const input = source.inputs[0];
  if (!input || !(await storage.stat(input.key))) {
    throw new GoneError(
      `sourceJobId: the document of job ${source.id} is no longer stored (it was submitted with keepInput: false)`,
      { details: { field: 'sourceJobId' } },
    );
  }
}

/** Writes who asked for a redaction; a failure is logged, never undoes the accepted job (the worker upserts). */
export async function recordSubmission(
  deps: RedactionRouteDeps,
  logger: Logger,
  submission: RedactionAuditSubmission,
): Promise<void> {
  try {
    await deps.audit.recordSubmission(submission);
  } catch (err) {
    logger.error('redaction audit record not written', { jobId: submission.jobId, err: String(err) });
  }
}

/** `GET /v1/jobs/{id}/audit`: the job's audit record, counts only (404 for other tenants' jobs and other types). */
export async function presentAudit(
  deps: RedactionRouteDeps,
  job: JobEntity,
): Promise<Record<string, unknown>> {
  const notFound = () =>
    new NotFoundError(`job ${job.id} has no audit record (only redact jobs have one)`, {
      details: { type: job.type },
    });
  if (job.type !== 'redact') throw notFound();
  const record = await deps.audit.find(job.id, job.tenantId);
  if (!record) throw notFound();
  return {
    jobId: record.jobId,
    tenantId: record.tenantId,
    keyId: record.keyId,
    submittedBy: record.submittedBy,
    mode: record.mode,
    sourceJobId: record.sourceJobId,
    status: job.status,
    submittedAt: record.createdAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
    counts: record.outcome?.counts ?? null,
    pages: record.outcome?.pages ?? null,
    pagesChanged: record.outcome?.pagesChanged ?? null,
  };
}
