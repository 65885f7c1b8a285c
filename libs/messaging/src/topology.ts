import type { Channel } from 'amqplib';
import { recheckTierMs, topologyNames, type QueuePolicy } from './policy';

/** Exchanges every service may declare (the gateway only needs these). Idempotent. */
export async function declareExchanges(ch: Channel): Promise<void> {
  await ch.assertExchange(topologyNames.jobsExchange, 'direct', { durable: true });
  await ch.assertExchange(topologyNames.deadLetterExchange, 'direct', { durable: true });
  await ch.assertExchange(topologyNames.controlExchange, 'fanout', { durable: true });
}

/**
 * Declares the queues a policy implies (docs/architecture.md §4), idempotently:
 * - `Q`: quorum, `x-delivery-limit`, dead-letters (at-least-once) to `quire.dlx` → `Q.dlq`;
 * - `Q.retry.<n>s` per tier: quorum with `x-message-ttl`, dead-lettering back to `quire.jobs`/Q;
 * - `Q.dlq`: quorum, where exhausted and poison messages rest until replayed or purged.
 */
export async function declareQueueTopology(ch: Channel, policy: QueuePolicy): Promise<void> {
  await declareExchanges(ch);
  const q = policy.queue;
  const dlq = topologyNames.deadLetterQueue(q);
  await ch.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(dlq, topologyNames.deadLetterExchange, q);
  await ch.assertQueue(q, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': policy.deliveryLimit,
      'x-dead-letter-exchange': topologyNames.deadLetterExchange,
      'x-dead-letter-routing-key': q,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  await ch.bindQueue(q, topologyNames.jobsExchange, q);
  // A policy without retries still needs one tier for 'recheck' (a duplicate delivery of a job another worker holds).
  for (const delay of new Set([...policy.retryDelaysMs, recheckTierMs(policy)])) {
    await ch.assertQueue(topologyNames.retryQueue(q, delay), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // The queue TTL is the ceiling; each message carries its jittered delay as `expiration` (docs/architecture.md §4).
        'x-message-ttl': retryQueueTtl(delay),
        'x-dead-letter-exchange': topologyNames.jobsExchange,
        'x-dead-letter-routing-key': q,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
}

/** Queue-level TTL of a retry tier: above any jittered per-message expiration (max jitter is 50 %). */
export function retryQueueTtl(delayMs: number): number {
  return Math.round(delayMs * 1.5);
}
