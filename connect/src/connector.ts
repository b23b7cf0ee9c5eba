import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATE_TOPICS, TOPIC_PARTITIONS, dlqTopicOf } from '@outbox/events';
import type { StackConfig } from '@outbox/config';
import { renderTemplate } from '@outbox/config';

/**
 * The outbox connector is data: connect/outbox-connector.json, sent with
 * PUT /connectors/<name>/config (safe to repeat). Only the addresses are filled in here;
 * the password stays a Connect config-provider reference (${env:PG_PASSWORD}) that the
 * worker resolves, so it never appears in the connector's stored config.
 */
export const connectorFile = join(__dirname, '..', 'outbox-connector.json');

export interface ConnectorDefinition {
  name: string;
  config: Record<string, string>;
}

/**
 * Exactly-once capture (KIP-618), when the stack's CONNECT_EXACTLY_ONCE is on (the cluster
 * topology's default): each poll's records and the slot position are written in one Kafka
 * transaction. The workers must run with exactly.once.source.support=enabled (the launcher
 * renders it from the same setting); a worker without it refuses this connector.
 */
export const EXACTLY_ONCE_CONFIG: Record<string, string> = {
  'exactly.once.support': 'required',
  // One transaction per poll: what Debezium documents (and Connect's default).
  'transaction.boundary': 'poll',
};

export function loadConnector(stack: StackConfig, file = connectorFile): ConnectorDefinition {
  const text = renderTemplate(readFileSync(file, 'utf8'), {
    PG_HOST: stack.postgres.hostForConnect,
    PG_PORT: stack.postgres.port,
    // The cluster's Debezium logs in as its own role (REPLICATION, SELECT on the outbox, owns nothing).
    PG_USER: stack.security?.postgres.debezium.username ?? stack.postgres.user,
  });
  const parsed = JSON.parse(text) as { name?: unknown; config?: Record<string, unknown> };
  if (typeof parsed.name !== 'string' || typeof parsed.config !== 'object' || parsed.config === null) {
    throw new Error(`${file}: expected {"name": string, "config": {...}}`);
  }
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.config)) {
    if (typeof value !== 'string') throw new Error(`${file}: config value of "${key}" must be a string`);
    config[key] = value;
  }
  if (stack.connect.exactlyOnce) Object.assign(config, EXACTLY_ONCE_CONFIG);
  return { name: parsed.name, config };
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Replicas per partition; the broker's default.replication.factor when absent. */
  replicationFactor?: number;
  configEntries: { name: string; value: string }[];
  /**
   * Set on a dead-letter topic: the topic whose records it holds copies of. ensureTopics gives it
   * the source topic's max.message.bytes plus room for the DLQ publisher's headers.
   */
  deadLettersOf?: string;
}

/** TOPIC_REPLICATION_FACTOR and TOPIC_MIN_INSYNC_REPLICAS (single: 1 and 1; cluster: 3 and 2). */
export interface Replication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

const WEEK_MS = String(7 * 24 * 60 * 60 * 1000);

/**
 * Topics the connector writes to, created explicitly before it starts (the broker never
 * auto-creates): the event topics, their dead-letter topics, and Debezium's heartbeat topic,
 * each with the configured replication factor and min.insync.replicas (a write with acks=all
 * needs that many replicas in sync; with 3 and 2 one broker can be lost without refusing writes).
 */
export function pipelineTopics(
  connector: ConnectorDefinition,
  replication: Replication = { replicationFactor: 1, minInsyncReplicas: 1 },
): TopicSpec[] {
  const spec = (topic: string, numPartitions: number, retentionMs: string): TopicSpec => ({
    topic,
    numPartitions,
    replicationFactor: replication.replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: retentionMs },
      { name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) },
    ],
  });
  const events = Object.values(AGGREGATE_TOPICS).flatMap((topic) => [
    spec(topic, TOPIC_PARTITIONS, WEEK_MS),
    { ...spec(dlqTopicOf(topic), TOPIC_PARTITIONS, '-1'), deadLettersOf: topic },
  ]);
  const heartbeat = spec(heartbeatTopicOf(connector), 1, String(24 * 60 * 60 * 1000));
  return [...events, heartbeat];
}

/** The topic Debezium's heartbeats go to: <topic.heartbeat.prefix>.<topic.prefix>. */
export function heartbeatTopicOf(connector: ConnectorDefinition): string {
  const prefix = connector.config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat';
  return `${prefix}.${connector.config['topic.prefix']}`;
}

/** The stack's replication settings (from TOPIC_REPLICATION_FACTOR / TOPIC_MIN_INSYNC_REPLICAS). */
export function replicationOf(stack: StackConfig): Replication {
  return { replicationFactor: stack.kafka.replicationFactor, minInsyncReplicas: stack.kafka.minInsyncReplicas };
}
