import { z } from 'zod';
import { QUEUES } from '../catalog/job-catalog';
import { DEFAULT_FAIR_PUBLISH_CAP, type FairPublishing } from './outbox.repository';

/**
 * The environment variables of fair publishing, shared by every app that runs an outbox relay (the gateway and the
 * maintenance worker) so all relays apply the same caps (docs/architecture.md §11 (tenancy and fair sharing)).
 */
const perQueue = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw?.trim()) return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.enum(QUEUES), z.number().int().positive()));

export const fairPublishingEnvFields = {
  /** Unclaimed messages one tenant may have in one queue; the rest wait in the outbox. Default 1. */
  QUIRE_FAIR_PUBLISH_CAP: z.coerce.number().int().positive().default(DEFAULT_FAIR_PUBLISH_CAP),
  /** Per-queue caps as JSON, e.g. `{"ai-extraction": 2}`; a queue left out uses QUIRE_FAIR_PUBLISH_CAP. */
  QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE: perQueue,
  /**
   * Optional dispatch windows as JSON, e.g. `{"compression": 4}`: a queue's jobs unclaimed or running (all tenants)
   * at most, sized to its worker slots (replicas × concurrency); a queue left out has none.
   */
  QUIRE_FAIR_PUBLISH_WINDOW_BY_QUEUE: perQueue,
};

/** The relay's fairness settings from a validated config holding `fairPublishingEnvFields`. */
export function fairPublishingFrom(config: {
  QUIRE_FAIR_PUBLISH_CAP: number;
  QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE: Partial<Record<string, number>>;
  QUIRE_FAIR_PUBLISH_WINDOW_BY_QUEUE: Partial<Record<string, number>>;
  QUIRE_STALE_AFTER_MS?: number;
}): FairPublishing {
  return {
    cap: config.QUIRE_FAIR_PUBLISH_CAP,
    capByQueue: defined(config.QUIRE_FAIR_PUBLISH_CAP_BY_QUEUE),
    windowByQueue: defined(config.QUIRE_FAIR_PUBLISH_WINDOW_BY_QUEUE),
    ...(config.QUIRE_STALE_AFTER_MS !== undefined ? { staleAfterMs: config.QUIRE_STALE_AFTER_MS } : {}),
  };
}

function defined(byQueue: Partial<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [queue, n] of Object.entries(byQueue)) if (n !== undefined) out[queue] = n;
  return out;
}
