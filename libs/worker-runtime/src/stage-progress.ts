import type { JobContext } from './job-handler';

export interface Stage {
  stage: string;
  weight: number;
  message: string;
}

/**
 * Overall percent from stage weights (docs/architecture.md §6): `report(stage, fraction)` maps a fraction of one stage onto
 * the whole job, never going backwards.
 */
export class StageProgress {
  private last = 0;

  constructor(
    private readonly ctx: Pick<JobContext, 'progress'>,
    private readonly stages: readonly Stage[],
  ) {}

  report(
    stage: string,
    fraction: number,
    message?: string,
    extra: { current?: number; total?: number } = {},
  ): void {
    let start = 0;
    let found: Stage | undefined;
    for (const s of this.stages) {
      if (s.stage === stage) {
        found = s;
        break;
      }
      start += s.weight;
    }
    if (!found) throw new Error(`unknown progress stage ${stage}`);
    const percent = Math.min(
      100,
      Math.max(this.last, Math.floor(start + found.weight * Math.min(1, Math.max(0, fraction)))),
    );
    this.last = percent;
    this.ctx.progress({ stage, percent, message: message ?? found.message, ...extra });
  }
}

/** Deadline of one engine run: base + per page (scaled), capped. */
export function scaledDeadline(
  base: number,
  perPage: number,
  max: number,
): (pages: number, factor?: number) => number {
  return (pages, factor = 1) => Math.min(max, Math.round(base + pages * perPage * factor));
}
