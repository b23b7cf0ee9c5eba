export { connectorFile, loadConnector, pipelineTopics } from './connector';
export type { ConnectorDefinition, TopicSpec } from './connector';
export { ConnectClient, ConnectRestError } from './rest';
export type { ConnectorStatus, TaskStatus } from './rest';
export { ensureTopics, PartitionCountChangeRefused } from './topics';
export type { PartitionCountMismatch } from './topics';
export { applyConnector } from './apply';
