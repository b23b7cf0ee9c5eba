import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { endpointsOf, type StackConfig } from '@outbox/config';
import { loadConnector, pipelineTopics, replicationOf } from './connector';
import { ConnectClient, reachableConnectUrl, type ConnectorStatus } from './rest';
import { ensureTopics, replicationShortfalls, type ReplicationShortfall } from './topics';

export interface ApplyResult {
  name: string;
  topicsCreated: string[];
  /** Existing topics with fewer replicas than configured (not changed; see replicationShortfalls). */
  underReplicated: ReplicationShortfall[];
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
  const topics = pipelineTopics(connector, replicationOf(stack));
  let topicsCreated: string[];
  let underReplicated: ReplicationShortfall[];
  try {
    topicsCreated = await ensureTopics(admin, topics);
    underReplicated = await replicationShortfalls(admin, topics);
  } finally {
    await admin.disconnect();
  }
  const client = new ConnectClient(await reachableConnectUrl(endpoints.connectUrls));
  const configChanged = await client.putConfig(connector.name, connector.config);
  const status = await client.waitForRunning(connector.name, timeoutMs);
  await waitForSlotStreaming(
    endpoints.postgresUrl(connector.config['database.dbname'] ?? 'commerce'),
    connector.config['slot.name'] ?? '',
    timeoutMs,
  );
  return { name: connector.name, topicsCreated, underReplicated, configChanged, status };
}

/**
 * RUNNING is reported before the task has created or attached its replication slot; only an
 * active slot means that what is committed from now on will be captured.
 */
async function waitForSlotStreaming(databaseUrl: string, slotName: string, timeoutMs: number): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slotName]);
      if (rows.length === 1) return;
      await sleep(250);
    }
    throw new Error(`replication slot ${slotName} is not streaming after ${timeoutMs} ms`);
  } finally {
    await db.end();
  }
}
