/**
 * @quire/messaging: amqplib with reconnect, a confirm publisher, topology from a worker's policy, and the consumer
 * runtime that maps outcomes to ack / retry / dead-letter. It knows nothing about any particular queue.
 */
export { AmqpConnection, type AmqpConnectionOptions, type SetupFn } from './connection';
export { ConfirmPublisher, type PublishOptions } from './publisher';
export { declareExchanges, declareQueueTopology, retryQueueTtl } from './topology';
export {
  defineQueuePolicy,
  defineWorkerPolicy,
  queuePolicySchema,
  WORKER_POLICY_DEFAULTS,
  topologyNames,
  recheckTierMs,
  RECHECK_DELAY_MS,
  type QueuePolicy,
  type QueuePolicyInput,
  type WorkerPolicyLimits,
  type WorkerPolicyOverrides,
} from './policy';
export { decideDisposition, type Disposition } from './retry-decision';
export {
  QueueConsumer,
  ATTEMPT_HEADER,
  REASON_HEADER,
  type Delivery,
  type HandlerContext,
  type HandleResult,
  type ConsumerHandlers,
  type ConsumerOptions,
} from './consumer';
export { broadcastCancel, subscribeToControl, controlMessageSchema, type ControlMessage } from './control';
export { OutboxRelay, type OutboxSource, type RelayMessage } from './outbox-relay';
export {
  RabbitManagementClient,
  parseManagementUrl,
  vhostOfAmqpUrl,
  probeBroker,
  type ManagedQueue,
  type QueueHealth,
} from './management';
