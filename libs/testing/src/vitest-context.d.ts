/**
 * What tools/testing/global-setup.ts hands to every test file through vitest's provide/inject.
 * Read it with `inject('quireInfra')` or, better, through the helpers of `@quire/testing`.
 */
export interface QuireTestInfra {
  /** A run-unique id; test databases and vhosts are named after it so an external server can be swept. */
  runId: string;
  /** postgres:// URL of a role with CREATEDB (the `quire` role on our own server). */
  databaseUrl: string;
  /** The migrated database every test database is cloned from (CREATE DATABASE ... TEMPLATE). */
  databaseTemplate: string;
  /** amqp:// URL of the broker's default vhost; tests get a vhost of their own from createTestVhost(). */
  amqpUrl: string;
  /** Management API base URL without credentials (fetch() refuses URLs that carry them). */
  rabbitmqManagementUrl: string;
  rabbitmqUser: string;
  rabbitmqPassword: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    quireInfra: QuireTestInfra;
  }
}
