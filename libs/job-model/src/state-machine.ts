/** Job states (docs/architecture.md §3). */
export const JOB_STATUSES = [
  'pending',
  'processing',
  'retrying',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** Allowed transitions: the single source the repository's conditional UPDATEs are built from. */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['processing', 'cancelled', 'failed'],
  processing: [
    'completed',
    'failed',
    'cancelled',
    'retrying',
    'processing' /* takeover of a stale lease */,
    'pending' /* a fan-out parent whose chunks all completed, queued for its merge (docs/architecture.md (fan-out)) */,
  ],
  retrying: ['processing', 'cancelled', 'failed'],
  // Manual re-run (POST /v1/jobs/{id}/retry, dead-letter replay) puts a finished job back to pending.
  completed: [],
  failed: ['pending'],
  cancelled: ['pending'],
};

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The statuses a job may be in for a transition to `to` to be legal. */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}
