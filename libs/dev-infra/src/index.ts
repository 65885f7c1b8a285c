/**
 * @quire/dev-infra: PostgreSQL and RabbitMQ as project-local child processes, plus the port and management API
 * helpers around them. Shared by `npm start` (tools/dev), the test tiers' global setup (tools/testing) and the test
 * helpers (@quire/testing); it lives in libs/ because a library may import only libraries (tools depend on libs,
 * never the other way round). Not for production code: its scope tag keeps apps and production libs out.
 */
export {
  databaseUrlFor,
  findPostgresBinDir,
  onProcessExit,
  startPostgres,
  startRabbitMQ,
  type Logger,
  type PostgresOptions,
  type PostgresServer,
  type RabbitMQOptions,
  type RabbitMQServer,
  withPgClient,
} from './services';
export {
  amqpUrlForVhost,
  basicAuth,
  createVhost,
  deleteVhost,
  DEFAULT_RABBIT_PASSWORD,
  DEFAULT_RABBIT_USER,
  findFreePort,
  isPortFree,
  parseManagementUrl,
  preferPort,
} from './infra-helpers';
