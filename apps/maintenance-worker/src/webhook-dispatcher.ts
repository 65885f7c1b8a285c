import type { Logger } from '@quire/logging';
import { presentJob, type DeliveryNext, type DueDelivery, type WebhookRepository } from '@quire/job-model';
import {
  SIGNATURE_HEADER,
  deliverCallback,
  nextRetryDelayMs,
  openSecret,
  signatureHeader,
  type AddressAllowList,
  type DeliveryOutcome,
  type Resolver,
} from '@quire/webhooks';

export interface WebhookDispatcherOptions {
  repo: WebhookRepository;
  /** QUIRE_WEBHOOK_SECRET_KEY: opens the tenants' sealed signing secrets. Null: nothing can be signed (and sent). */
  secretKey: Buffer | null;
  allow: AddressAllowList;
  logger: Logger;
  /** How long to wait for more work when none was due. */
  pollMs: number;
  /** Callbacks taken (and sent in parallel) per round. */
  batchSize: number;
  /** Bound of one attempt: resolve, connect, send, answer headers. */
  timeoutMs: number;
  /** Attempts before a callback is given up (`failed`). */
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  /** Host name resolution (tests pass their own); default the system resolver. */
  resolve?: Resolver;
  onAttempt?: (event: string, outcome: 'delivered' | 'retrying' | 'failed') => void;
}

/**
 * Works off the callback outbox (docs/architecture.md (webhooks)). Runs in every maintenance-worker replica without
 * a leader: each round takes due rows with SKIP LOCKED and a lock that outlives the attempt, so replicas share the
 * work and a dispatcher that dies mid-delivery leaves its rows to be taken back when the lock runs out (the callback
 * is then sent again: receivers deduplicate on Quire-Delivery-Id).
 */
export class WebhookDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: WebhookDispatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One round: the due callbacks taken, attempted and recorded. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const { repo, batchSize, timeoutMs } = this.opts;
    // The lock outlives the attempt (timeout, then recording) by a wide margin; only a dead dispatcher lets it lapse.
    const due = await repo.claimDue(batchSize, timeoutMs * 3 + 30_000);
    if (due.length === 0) return 0;
    const secrets = await repo.sealedSecrets(due.map((d) => d.tenantId));
    await Promise.all(
      due.map((d) =>
        this.attempt(d, secrets.get(d.tenantId)).catch((err: unknown) =>
          this.opts.logger.error(
            'recording a callback attempt failed; the row is taken back after its lock',
            {
              jobId: d.jobId,
              deliveryId: d.id,
              err: String(err),
            },
          ),
        ),
      ),
    );
    return due.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let attempted = 0;
      try {
        attempted = await this.runOnce();
      } catch (err) {
        this.opts.logger.warn('webhook dispatcher round failed; trying again', { err: String(err) });
      }
      if (attempted === 0 && this.running)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    }
  }

  private async attempt(
    d: DueDelivery,
    sealed: { current: string | null; previous: string | null } | undefined,
  ): Promise<void> {
    const startedAt = new Date();
    const keys = this.signingSecrets(sealed);
    let outcome: DeliveryOutcome;
    if (typeof keys === 'string') {
      outcome = { ok: false, statusCode: null, error: keys, durationMs: 0, refused: false };
    } else {
      const body = JSON.stringify(presentJob(d.job));
      outcome = await deliverCallback({
        url: d.url,
        body,
        timeoutMs: this.opts.timeoutMs,
        allow: this.opts.allow,
        ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Quire-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(keys, body, startedAt.getTime() / 1000),
          'Quire-Delivery-Id': d.id,
          'Quire-Event': d.event,
          'Quire-Job-Id': d.jobId,
          'X-Correlation-Id': d.job.correlationId,
        },
      });
    }
    const next = this.nextStep(d, outcome);
    await this.opts.repo.recordAttempt(
      d,
      { startedAt, durationMs: outcome.durationMs, statusCode: outcome.statusCode, error: outcome.error },
      next,
    );
    const label = next.status === 'pending' ? 'retrying' : next.status;
    this.opts.onAttempt?.(d.event, label);
    const meta = {
      jobId: d.jobId,
      deliveryId: d.id,
      event: d.event,
      attempt: d.attempt,
      ms: outcome.durationMs,
    };
    if (outcome.ok) this.opts.logger.info('callback delivered', { ...meta, status: outcome.statusCode });
    else
      this.opts.logger.warn(`callback attempt failed (${label})`, {
        ...meta,
        status: outcome.statusCode,
        error: outcome.error,
      });
  }

  private nextStep(d: DueDelivery, outcome: DeliveryOutcome): DeliveryNext {
    if (outcome.ok) return { status: 'delivered' };
    // A refused address will not become acceptable by waiting: give up at once (the attempt says why).
    if (outcome.refused || d.attempt >= this.opts.maxAttempts) return { status: 'failed' };
    return {
      status: 'pending',
      nextAttemptAt: new Date(Date.now() + nextRetryDelayMs(d.attempt, this.opts.backoff)),
    };
  }

  /** The secrets to sign with (newest first), or why there are none (retried: an operator may still add one). */
  private signingSecrets(
    sealed: { current: string | null; previous: string | null } | undefined,
  ): string[] | string {
    if (!this.opts.secretKey) return 'QUIRE_WEBHOOK_SECRET_KEY is not configured: callbacks cannot be signed';
    if (!sealed?.current) return 'the tenant has no webhook signing secret (npm run webhook:rotate-secret)';
    try {
      const key = this.opts.secretKey;
      return [sealed.current, ...(sealed.previous ? [sealed.previous] : [])].map((s) => openSecret(key, s));
    } catch {
      return 'the tenant webhook secret cannot be opened with QUIRE_WEBHOOK_SECRET_KEY (was the key changed?)';
    }
  }
}
