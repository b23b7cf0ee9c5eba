import { Kafka, logLevel } from 'kafkajs';
import { endpointsOf, type StackConfig } from '@outbox/stack';
import { loadConnector, pipelineTopics } from './connector';
import { ConnectClient, type ConnectorStatus } from './rest';
import { ensureTopics } from './topics';

export interface ApplyResult {
  name: string;
  topicsCreated: string[];
  configChanged: boolean;
  status: ConnectorStatus;
}

/** Idempotent: topics first (the connector must never write to a missing topic), then the config, then wait for RUNNING. */
export async function applyConnector(stack: StackConfig, timeoutMs = 60_000): Promise<ApplyResult> {
  const endpoints = endpointsOf(stack);
  const connector = loadConnector(stack);
  const kafka = new Kafka({ clientId: 'connect-apply', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let topicsCreated: string[];
  try {
    topicsCreated = await ensureTopics(admin, pipelineTopics(connector));
  } finally {
    await admin.disconnect();
  }
  const client = new ConnectClient(endpoints.connectUrl);
  const configChanged = await client.putConfig(connector.name, connector.config);
  const status = await client.waitForRunning(connector.name, timeoutMs);
  return { name: connector.name, topicsCreated, configChanged, status };
}
