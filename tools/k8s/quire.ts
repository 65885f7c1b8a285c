/**
 * What the validator knows about Quire itself: the apps, their ports, queues, concurrency and hard time
 * limits, and which Secrets are created outside the manifests. The worker figures restate the apps'
 * policy.ts files (tools/k8s may not import apps); validate.spec.ts loads those policies and fails when
 * the two disagree. The validator turns these facts into checks on the rendered manifests.
 */

export interface WorkerFacts {
  /** Deployment name, container args[0] and apps/<name>. */
  app: string;
  queue: string;
  /** The queue's hard time limit (worker policy): the grace period must exceed it. */
  hardTimeLimitSeconds: number;
  /**
   * Jobs one replica runs at once (worker policy): the KEDA target (messages per replica) must equal it, or the
   * autoscaler holds messages in the queue that a replica would take (target above) or adds idle replicas (below).
   */
  concurrency: number;
}

export interface QuireFacts {
  gateway: { app: string; port: number; servicePort: number };
  workers: WorkerFacts[];
  /** Port every worker serves /healthz, /readyz and /metrics on. */
  workerPort: number;
  /** args[0] of the migrations Job. */
  migrateArg: string;
  /** Variables every app must receive (from env or an envFrom ConfigMap). */
  requiredEnv: string[];
  /** Secrets created out of band (k8s/scripts/create-secrets.sh), with the keys they hold. */
  externalSecrets: Record<string, string[]>;
  /** RabbitMQ's consumer_timeout when nothing overrides it (30 min). */
  defaultConsumerTimeoutMs: number;
}

export const QUIRE: QuireFacts = {
  gateway: { app: 'gateway', port: 3000, servicePort: 80 },
  workers: [
    { app: 'compression-worker', queue: 'compression', hardTimeLimitSeconds: 10 * 60, concurrency: 1 },
    { app: 'conversion-worker', queue: 'conversion', hardTimeLimitSeconds: 10 * 60, concurrency: 1 },
    { app: 'ocr-worker', queue: 'ocr', hardTimeLimitSeconds: 30 * 60, concurrency: 1 },
    { app: 'ai-extraction-worker', queue: 'ai-extraction', hardTimeLimitSeconds: 10 * 60, concurrency: 2 },
    { app: 'maintenance-worker', queue: 'maintenance', hardTimeLimitSeconds: 30 * 60, concurrency: 2 },
    { app: 'redaction-worker', queue: 'redaction', hardTimeLimitSeconds: 30 * 60, concurrency: 1 },
  ],
  workerPort: 9100,
  migrateArg: 'migrate',
  requiredEnv: [
    'QUIRE_AMQP_URL',
    'QUIRE_DATABASE_URL',
    'QUIRE_STORAGE_DIR',
    'QUIRE_RABBITMQ_MANAGEMENT_URL',
    'LOG_LEVEL',
    'PORT',
  ],
  externalSecrets: {
    'quire-secrets': [
      'QUIRE_AMQP_URL',
      'QUIRE_RABBITMQ_MANAGEMENT_URL',
      'QUIRE_BOOTSTRAP_API_KEY',
      'QUIRE_WEBHOOK_SECRET_KEY',
    ],
  },
  defaultConsumerTimeoutMs: 30 * 60 * 1000,
};

/**
 * Secrets an operator creates for a custom resource it manages, by kind: name suffix -> keys.
 * (RabbitMQ Cluster Operator: <cluster>-default-user; CloudNativePG: <cluster>-app.)
 */
export const OPERATOR_SECRETS: Record<string, Record<string, string[]>> = {
  RabbitmqCluster: {
    '-default-user': ['username', 'password', 'host', 'port', 'provider', 'type', 'default_user.conf'],
  },
  Cluster: {
    '-app': [
      'username',
      'password',
      'host',
      'port',
      'dbname',
      'uri',
      'jdbc-uri',
      'pgpass',
      'fqdn-uri',
      'fqdn-jdbc-uri',
    ],
  },
};
