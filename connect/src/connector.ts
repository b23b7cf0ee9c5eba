import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATE_TOPICS, TOPIC_PARTITIONS, dlqTopicOf } from '@outbox/events';
import type { StackConfig } from '@outbox/stack';
import { renderTemplate } from '@outbox/stack';

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

export function loadConnector(stack: StackConfig, file = connectorFile): ConnectorDefinition {
  const text = renderTemplate(readFileSync(file, 'utf8'), {
    PG_HOST: stack.postgres.hostForConnect,
    PG_PORT: stack.postgres.port,
    PG_USER: stack.postgres.user,
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
  return { name: parsed.name, config };
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries: { name: string; value: string }[];
}

const WEEK_MS = String(7 * 24 * 60 * 60 * 1000);

/**
 * Topics the connector writes to, created explicitly before it starts (the broker never
 * auto-creates): the event topics, their dead-letter topics, and Debezium's heartbeat topic.
 */
export function pipelineTopics(connector: ConnectorDefinition): TopicSpec[] {
  const events = Object.values(AGGREGATE_TOPICS).flatMap((topic) => [
    { topic, numPartitions: TOPIC_PARTITIONS, configEntries: [{ name: 'retention.ms', value: WEEK_MS }] },
    {
      topic: dlqTopicOf(topic),
      numPartitions: TOPIC_PARTITIONS,
      configEntries: [{ name: 'retention.ms', value: '-1' }],
    },
  ]);
  const prefix = connector.config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat';
  const heartbeat = {
    topic: `${prefix}.${connector.config['topic.prefix']}`,
    numPartitions: 1,
    configEntries: [{ name: 'retention.ms', value: String(24 * 60 * 60 * 1000) }],
  };
  return [...events, heartbeat];
}
