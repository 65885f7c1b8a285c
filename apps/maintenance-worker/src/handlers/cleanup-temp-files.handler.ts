import type { MaintenanceRepository } from '@quire/job-model';
import type { JobHandler } from '@quire/worker-runtime';
import { sweepTempRoot } from '../temp-sweep';

export interface CleanupTempFilesDeps {
  repo: Pick<MaintenanceRepository, 'processingAmong'>;
  /** The workers' temp root (QUIRE_TEMP_DIR). */
  tempRoot: string;
  /** Default age limit (QUIRE_TEMP_MAX_AGE_HOURS); the job's `maxAgeHours` param overrides it. */
  maxAgeHours: number;
  /** Called with what was freed (metrics). */
  onFreed?: (files: number, bytes: number) => void;
  now?: () => Date;
}

const JOB_KEY = /^jobs\/([0-9a-f-]{36})\//i;

/**
 * `cleanup-temp-files`: removes temp files and folders older than the age limit under the workers' temp root, and
 * stale `*.partial-*` leftovers of interrupted writes in storage — never those of a job still `processing`.
 * Reports files and bytes freed.
 */
export function cleanupTempFilesHandler(deps: CleanupTempFilesDeps): JobHandler<'cleanup-temp-files'> {
  return async (ctx) => {
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

    const filesFreed = temp.files + partials.files;
    const bytesFreed = temp.bytes + partials.bytes;
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
    };
  };
}
