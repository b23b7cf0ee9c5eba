export { CLUSTER_PORTS, DEFAULT_PORTS, endpointsOf, loadStackConfig, repoRoot, TEST_PORT_OFFSET } from './config';
export type { ConnectWorker, KafkaNode, StackConfig, StackEndpoints, StackProfile, StackTopology } from './config';
export { loadVersions } from './versions';
export { renderTemplate } from './templates';
export type { StackVersions } from './versions';
export { stackComponents, statusOf, up, down } from './stack';
export { runningPid, stopProcess } from './processes';
export type { Component } from './components/component';
export { parseEnv } from './env';
