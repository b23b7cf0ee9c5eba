/**
 * Runtime configuration shared by the services, their CLIs, the tests, chaos and the bench:
 * environment parsing, where the stack's servers listen (and so the default client addresses),
 * and the defaults several programs must agree on. The launcher (@outbox/stack) builds on it;
 * no runtime service imports the launcher.
 */
export { parseEnv } from './env';
export {
  CLUSTER_PORTS,
  DEFAULT_PORTS,
  endpointsOf,
  loadStackConfig,
  repoRoot,
  TEST_PORT_OFFSET,
  CLUSTER_KAFKA_NODES,
  CLUSTER_CONNECT_WORKERS,
  CLUSTER_NODE_PORT_STEP,
} from './stack';
export type { ConnectWorker, KafkaNode, StackConfig, StackEndpoints, StackProfile, StackTopology } from './stack';
export { renderTemplate } from './template';
export { CONNECT_REST_USERS, KAFKA_PRINCIPALS, KAFKA_SASL_MECHANISM, POSTGRES_ROLES, stackSecurity } from './security';
export type {
  ClientIdentity,
  ConnectRestUser,
  Credential,
  KafkaPrincipal,
  KafkaSasl,
  PostgresRole,
  StackSecurity,
} from './security';
export { clientLoginsFromEnv } from './client-logins';
export * from './defaults';
export { LoginRefusedError, messageOf } from './errors';
