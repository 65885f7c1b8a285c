import type { MaintenanceRepository } from '@quire/job-model';
import type { JobContext, JobHandler } from '@quire/worker-runtime';
import { sweepTempRoot } from '../temp-sweep';

export interface CleanupTempFilesDeps {
  repo: Pick<MaintenanceRepository, 'processingAmong' | 'existingAmong'>;
  /** The workers' temp root (QUIRE_TEMP_DIR). */
  tempRoot: string;
  /** Default age limit (QUIRE_TEMP_MAX_AGE_HOURS); the job's `maxAgeHours` param overrides it. */
  maxAgeHours: number;
  /** Called with what was freed (metrics). */
  onFreed?: (files: number, bytes: number) => void;
  now?: () => Date;
}

const JOB_KEY = /^jobs\/([0-9a-f-]{36})\//i;
const JOB_FOLDER = /^jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/**
 * A job's folder with no job row is removed only when nothing in it changed for at least this long, whatever the
 * task's `maxAgeHours`: the gateway stores an upload before it inserts the row, and an upload lasts at most the
 * gateway's request timeout (15 min by default).
 */
export const ORPHAN_MIN_AGE_HOURS = 1;
/** Ids per existence query. */
const ID_BATCH = 500;

/**
 * `cleanup-temp-files`: removes temp files and folders older than the age limit under the workers' temp root,
 * stale `*.partial-*` leftovers of interrupted writes in storage — never those of a job still `processing` — and
 * orphaned job folders in storage (`jobs/<id>` with no job row: an upload cut off when the gateway died, a failed
 * row insert whose cleanup failed too), once nothing in them changed for the age limit (at least
 * ORPHAN_MIN_AGE_HOURS). Reports files and bytes freed.
 */
export function cleanupTempFilesHandler(deps: CleanupTempFilesDeps): JobHandler<'cleanup-temp-files'> {
  return async (ctx): ReturnType<JobHandler<'cleanup-temp-files'>> => {
    const maxAgeHours = ctx.params.maxAgeHours ?? deps.maxAgeHours;
    const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - maxAgeHours * 3_600_000);
    ctx.progress({
      stage: 'temp-files',
      percent: 5,
      message: `removing temp files older than ${maxAgeHours} h`,
    });
    const temp = await sweepTempRoot(
      deps.tempRoot,
      cutoff,
      (ids) => deps.repo.processingAmong(ids),
      () => ctx.checkpoint(),
    );

    // Before the partial writes: removing one of those touches its folder, which would then look busy.
    ctx.progress({
      stage: 'orphaned-job-folders',
      percent: 40,
      message: 'removing job folders in storage that no job row points to',
    });
    const orphans = await removeOrphanedJobFolders(ctx, deps, cutoff);

    ctx.progress({
      stage: 'storage-partials',
      percent: 60,
      message: 'removing stale partial writes in storage',
    });
    const candidates = await ctx.storage.findStalePartials(cutoff);
    const jobIdOf = (key: string) => JOB_KEY.exec(key)?.[1];
    const busy = await deps.repo.processingAmong([
      ...new Set(candidates.map((c) => jobIdOf(c.key)).filter((id): id is string => !!id)),
    ]);
    const partials = { files: 0, bytes: 0, protected: 0, errors: 0 };
    for (const candidate of candidates) {
      ctx.checkpoint();
      const jobId = jobIdOf(candidate.key);
      if (jobId && busy.has(jobId)) {
        partials.protected++;
        continue;
      }
      try {
        const { removed, bytes } = await ctx.storage.removeStalePartial(candidate.key, cutoff);
        if (removed) partials.files++;
        partials.bytes += bytes;
      } catch (err) {
        partials.errors++;
        ctx.logger.warn('could not remove a stale partial write', { key: candidate.key, err: String(err) });
      }
    }

    const filesFreed = temp.files + partials.files + orphans.files;
    const bytesFreed = temp.bytes + partials.bytes + orphans.bytes;
    deps.onFreed?.(filesFreed, bytesFreed);
    if (temp.errors > 0)
      ctx.logger.warn('some temp files could not be removed', {
        errors: temp.errors,
        samples: temp.errorSamples,
      });
    ctx.logger.info('temp files cleaned', { filesFreed, bytesFreed });
    ctx.progress({
      stage: 'finalization',
      percent: 100,
      message: `freed ${filesFreed} files, ${bytesFreed} bytes`,
    });
    return {
      maxAgeHours,
      cutoff: cutoff.toISOString(),
      filesFreed,
      bytesFreed,
      tempFiles: { root: deps.tempRoot, ...temp },
      storagePartials: partials,
      orphanedJobFolders: orphans,
    };
  };
}

async function removeOrphanedJobFolders(
  ctx: JobContext<'cleanup-temp-files'>,
  deps: CleanupTempFilesDeps,
  cutoff: Date,
): Promise<{ folders: number; files: number; bytes: number; errors: number }> {
  const floor = (deps.now?.() ?? new Date()).getTime() - ORPHAN_MIN_AGE_HOURS * 3_600_000;
  const olderThan = new Date(Math.min(cutoff.getTime(), floor));
  const idle = (await ctx.storage.findIdleFolders('jobs', olderThan)).flatMap((f) => {
    const id = JOB_FOLDER.exec(f.key)?.[1];
    return id ? [{ ...f, id }] : []; // not a job id: not ours to judge
  });
  const out = { folders: 0, files: 0, bytes: 0, errors: 0 };
  for (let i = 0; i < idle.length; i += ID_BATCH) {
    const batch = idle.slice(i, i + ID_BATCH);
    const existing = await deps.repo.existingAmong(batch.map((f) => f.id));
    for (const folder of batch) {
      ctx.checkpoint();
      if (existing.has(folder.id)) continue;
      try {
        // Re-checked on removal: a folder written to since it was listed stays.
        const removed = await ctx.storage.removeIdleFolder(folder.key, olderThan);
        if (!removed.removed) continue;
        out.folders++;
        out.files += removed.files;
        out.bytes += removed.bytes;
        ctx.logger.info('orphaned job folder removed', {
          key: folder.key,
          files: removed.files,
          bytes: removed.bytes,
        });
      } catch (err) {
        out.errors++;
        ctx.logger.warn('could not remove an orphaned job folder', { key: folder.key, err: String(err) });
      }
    }
  }
  return out;
}
