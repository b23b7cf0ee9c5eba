import { ConnectClient } from '@outbox/connect';
import { createCommerceClient, createStreamerClient, outboxBacklog, replicationSlotState } from '@outbox/db';
import { AGGREGATE_TOPICS, dlqTopicOf, ROLE_TOPICS } from '@outbox/events';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { StatusConfig } from './config';
import type {
  ConnectorReport,
  DeadLetterDepth,
  GroupReport,
  GroupTopicLag,
  Probe,
  StatusFacts,
  TopicReport,
} from './report';

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs one probe; a failure becomes the section's error instead of failing the whole status. */
async function probe<T extends object>(read: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, ...(await read()) };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  }
}

async function readConnector(config: StatusConfig): Promise<ConnectorReport> {
  const status = await new ConnectClient(config.connectUrl).status(config.connectorName);
  if (!status) return { name: config.connectorName, state: null, tasks: [] };
  return {
    name: status.name,
    state: status.connector.state,
    workerId: status.connector.worker_id,
    tasks: status.tasks.map((t) => ({ id: t.id, state: t.state, workerId: t.worker_id, trace: t.trace })),
  };
}

async function readTopics(admin: Admin): Promise<{ items: TopicReport[] }> {
  const existing = new Set(await admin.listTopics());
  const names = Object.values(AGGREGATE_TOPICS).flatMap((t) => [t, dlqTopicOf(t)]);
  const items: TopicReport[] = [];
  for (const topic of names) {
    if (!existing.has(topic)) {
      items.push({ topic, missing: true, partitions: [], records: 0 });
      continue;
    }
    const partitions = (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
      .sort((a, b) => a.partition - b.partition);
    items.push({ topic, missing: false, partitions, records: partitions.reduce((n, p) => n + p.high - p.low, 0) });
  }
  return { items };
}

async function readGroups(
  admin: Admin,
  config: StatusConfig,
  topics: TopicReport[],
): Promise<{ items: GroupReport[] }> {
  const roles = [
    { role: 'metrics' as const, groupId: config.groups.metrics },
    { role: 'cacheInvalidation' as const, groupId: config.groups.cacheInvalidation },
  ];
  const described = await admin.describeGroups(roles.map((r) => r.groupId));
  const items: GroupReport[] = [];
  for (const { role, groupId } of roles) {
    const group = described.groups.find((g) => g.groupId === groupId);
    const subscribed: string[] = [...ROLE_TOPICS[role]];
    const committed = await admin.fetchOffsets({ groupId, topics: subscribed });
    const lags: GroupTopicLag[] = subscribed.map((topic) => {
      const ends = topics.find((t) => t.topic === topic)?.partitions ?? [];
      const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
      const partitions = ends.map((end) => {
        const raw = Number(offsets.find((o) => o.partition === end.partition)?.offset ?? -1);
        // Never committed: the group would start at the earliest retained record.
        const position = raw >= 0 ? raw : end.low;
        return {
          partition: end.partition,
          committed: raw >= 0 ? raw : null,
          high: end.high,
          lag: Math.max(0, end.high - position),
        };
      });
      return { topic, partitions, lag: partitions.reduce((n, p) => n + p.lag, 0) };
    });
    items.push({
      groupId,
      role,
      state: group?.state ?? 'Unknown',
      members: group?.members.length ?? 0,
      topics: lags,
      lag: lags.reduce((n, t) => n + t.lag, 0),
    });
  }
  return { items };
}

async function readDeadLetters(config: StatusConfig): Promise<{ items: DeadLetterDepth[]; waiting: number }> {
  const db = createStreamerClient(config.streamerDatabaseUrl, { max: 1 });
  try {
    const groups = Object.values(config.groups);
    const rows = await db.$queryRaw<{ consumer_group: string; topic: string; waiting: bigint }[]>`
      SELECT consumer_group, topic, count(*) AS waiting FROM dead_letter
      WHERE status = 'new' AND consumer_group = ANY(${groups}::text[])
      GROUP BY consumer_group, topic ORDER BY consumer_group, topic`;
    const items = rows.map((r) => ({ groupId: r.consumer_group, topic: r.topic, waiting: Number(r.waiting) }));
    return { items, waiting: items.reduce((n, i) => n + i.waiting, 0) };
  } finally {
    await db.$disconnect();
  }
}

/** Reads every fact the verdict needs; each source is probed independently and quickly. */
export async function collectStatusFacts(config: StatusConfig): Promise<StatusFacts> {
  const commerce = createCommerceClient(config.commerceDatabaseUrl, { max: 2 });
  // Few, short retries: a status command must answer in seconds, also when Kafka is down.
  const kafka = new Kafka({
    clientId: 'pipeline-status',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 1, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  try {
    const kafkaFacts = probe(async () => {
      await admin.connect();
      return readTopics(admin);
    });
    const [connector, replicationSlot, outbox, topics, deadLetters] = await Promise.all([
      probe(() => readConnector(config)),
      probe(() => replicationSlotState(commerce, config.slotName)),
      probe(() => outboxBacklog(commerce)),
      kafkaFacts,
      probe(() => readDeadLetters(config)),
    ]);
    const groups: Probe<{ items: GroupReport[] }> = topics.ok
      ? await probe(() => readGroups(admin, config, topics.items))
      : { ok: false, error: `kafka unreachable: ${topics.error}` };
    return { checkedAt: new Date().toISOString(), connector, replicationSlot, outbox, topics, groups, deadLetters };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await commerce.$disconnect();
  }
}
