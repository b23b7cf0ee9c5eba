export { connectorFile, EXACTLY_ONCE_CONFIG, loadConnector, pipelineTopics, replicationOf } from './connector';
export type { ConnectorDefinition, Replication, TopicSpec } from './connector';
export { ConnectClient, ConnectRestError, reachableConnectUrl } from './rest';
export type { ConnectorStatus, TaskStatus } from './rest';
export { dlqRecordLimit, maxMessageBytes } from './record-limits';
export { ensureTopics, PartitionCountChangeRefused, replicationShortfalls } from './topics';
export type { PartitionCountMismatch, ReplicationShortfall } from './topics';
export { applyConnector } from './apply';
