export {
  connectorFile,
  EXACTLY_ONCE_CONFIG,
  heartbeatTopicOf,
  loadConnector,
  pipelineTopics,
  replicationOf,
} from './connector';
export { allow, connectWorkerAcls, ensureAcls, pipelineAcls } from './acls';
export type { ConnectorDefinition, Replication, TopicSpec } from './connector';
export { basicAuthHeader, ConnectClient, connectClientOf, ConnectRestError, reachableConnectUrl } from './rest';
export type { ConnectorStatus, TaskStatus } from './rest';
export { dlqRecordLimit, maxMessageBytes } from './record-limits';
export { ensureTopics, PartitionCountChangeRefused, replicationShortfalls } from './topics';
export type { PartitionCountMismatch, ReplicationShortfall } from './topics';
export { applyConnector } from './apply';
