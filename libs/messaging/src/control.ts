import { z } from 'zod';
import type { Logger } from '@quire/logging';
import type { AmqpConnection } from './connection';
import { topologyNames } from './policy';
import type { ConfirmPublisher } from './publisher';
import { declareExchanges } from './topology';

/** Messages on the `quire.control` fanout exchange (docs/architecture.md §6). */
export const controlMessageSchema = z.object({ action: z.literal('cancel'), jobId: z.string().uuid() });
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** Broadcasts a cancel request to every worker; the one holding the job aborts it at once. Best effort: heartbeats also carry `cancel_requested`. */
export async function broadcastCancel(publisher: ConfirmPublisher, jobId: string): Promise<void> {
  const message: ControlMessage = { action: 'cancel', jobId };
  await publisher.publish(topologyNames.controlExchange, '', message, {
    messageId: `cancel:${jobId}:${Date.now()}`,
  });
}

/**
 * Each worker process binds an exclusive, auto-deleted queue to `quire.control` (re-declared on every reconnect)
 * and hands cancel requests to `onCancel`.
 */
export async function subscribeToControl(
  connection: AmqpConnection,
  logger: Logger,
  onCancel: (jobId: string) => boolean,
): Promise<void> {
  await connection.addSetup(async (conn) => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await declareExchanges(ch);
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, topologyNames.controlExchange, '');
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        let parsed: ReturnType<typeof controlMessageSchema.safeParse>;
        try {
          parsed = controlMessageSchema.safeParse(JSON.parse(msg.content.toString('utf8')));
        } catch {
          return;
        }
        if (parsed.success && onCancel(parsed.data.jobId))
          logger.info('cancel request received; aborting the job', { jobId: parsed.data.jobId });
      },
      { noAck: true },
    );
  });
}
