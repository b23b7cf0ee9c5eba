import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { clientLoginsFromEnv, endpointsOf, type StackConfig } from '@outbox/config';
import { ensureAcls, pipelineAcls } from './acls';
import { heartbeatTopicOf, loadConnector, pipelineTopics, replicationOf, type ConnectorDefinition } from './connector';
import { connectClientOf, type ConnectorStatus } from './rest';
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
  const endpoints = endpointsOf(stack, 'admin');
  const logins = clientLoginsFromEnv(process.env, endpoints);
  const connector = loadConnector(stack);
  const kafka = new Kafka({
    clientId: 'connect-apply',
    brokers: endpoints.kafkaBrokers,
    ...(logins.kafkaSasl ? { sasl: logins.kafkaSasl } : {}),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topics = pipelineTopics(connector, replicationOf(stack));
  let topicsCreated: string[];
  let underReplicated: ReplicationShortfall[];
  try {
    topicsCreated = await ensureTopics(admin, topics);
    underReplicated = await replicationShortfalls(admin, topics);
    // Only a cluster that authorises (the cluster topology) has ACLs; an open broker refuses them.
    if (stack.security) await ensureAcls(admin, pipelineAcls(heartbeatTopicOf(connector)));
  } finally {
    await admin.disconnect();
  }
  const databaseUrl = endpoints.postgresUrl(connector.config['database.dbname'] ?? 'commerce');
  if (stack.security) await grantCaptureRead(databaseUrl, connector);
  const client = await connectClientOf(endpoints.connectUrls, logins.connectLogin);
  const configChanged = await client.putConfig(connector.name, connector.config);
  const status = await client.waitForRunning(connector.name, timeoutMs);
  await waitForSlotStreaming(databaseUrl, connector.config['slot.name'] ?? '', timeoutMs);
  return { name: connector.name, topicsCreated, underReplicated, configChanged, status };
}

/**
 * Debezium's role may read the tables it captures and nothing else (docs/security.md): granted
 * here by their owner, since the tables exist only once the migrations ran.
 */
async function grantCaptureRead(databaseUrl: string, connector: ConnectorDefinition): Promise<void> {
  const user = connector.config['database.user'] ?? '';
  const tables = (connector.config['table.include.list'] ?? '').split(',').map((t) => t.trim());
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const table of tables.filter(Boolean)) {
      const quoted = table
        .split('.')
        .map((part) => db.escapeIdentifier(part))
        .join('.');
      await db.query(`GRANT SELECT ON ${quoted} TO ${db.escapeIdentifier(user)}`);
    }
  } finally {
    await db.end();
  }
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
