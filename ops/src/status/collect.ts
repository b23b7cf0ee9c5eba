import { setTimeout as sleep } from 'node:timers/promises';
import { connectClientOf } from '@outbox/connect';
import {
  createCommerceClient,
  createStreamerClient,
  outboxBacklog,
  replicationSlotState,
  type StreamerClient,
} from '@outbox/db';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { StatusConfig } from './config';
import type {
  ClampReport,
  ReconcileReport,
  ConnectorReport,
  DeadLetterDepth,
  GroupReport,
  GroupTopicLag,
  PartitionLag,
  Probe,
  StatusFacts,
  TopicReport,
} from './report';
import { looksStalled, parseCommittedAt, waitedSeconds, waitingSince } from './stall';
import { readStreamerWaits } from './streamer-waits';

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
  // A cluster: ask the first worker that answers, so one dead worker is not a dead Connect.
  const status = await (await connectClientOf(config.connectUrls, config.connectLogin)).status(config.connectorName);
  if (!status) return { name: config.connectorName, state: null, tasks: [] };
  return {
    name: status.name,
    state: status.connector.state,
    workerId: status.connector.worker_id,
    tasks: status.tasks.map((t) => ({ id: t.id, state: t.state, workerId: t.worker_id, trace: t.trace })),
  };
}

async function readTopics(admin: Admin, config: StatusConfig): Promise<{ items: TopicReport[] }> {
  const existing = new Set(await admin.listTopics());
  const events = [...new Set([...config.topics.metrics, ...config.topics.cacheInvalidation])];
  const names = events.flatMap((t) => [t, `${t}.dlq`]);
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
    const subscribed = config.topics[role];
    const readAt = Date.now();
    const committed = await admin.fetchOffsets({ groupId, topics: subscribed });
    const lags: GroupTopicLag[] = subscribed.map((topic) => {
      const ends = topics.find((t) => t.topic === topic)?.partitions ?? [];
      const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
      const partitions = ends.map((end) => {
        const found = offsets.find((o) => o.partition === end.partition);
        const raw = Number(found?.offset ?? -1);
        // Never committed: the group would start at the earliest retained record.
        const position = raw >= 0 ? raw : end.low;
        const committedAt = raw >= 0 ? parseCommittedAt(found?.metadata) : null;
        return {
          partition: end.partition,
          committed: raw >= 0 ? raw : null,
          high: end.high,
          lag: Math.max(0, end.high - position),
          committedAt: committedAt === null ? null : new Date(committedAt).toISOString(),
          committedAgeSeconds: committedAt === null ? null : Math.max(0, (readAt - committedAt) / 1000),
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
  await recheckStalls(admin, items, config);
  return { items };
}

/**
 * For the partitions that look stalled (lag, commit older than the limit, group with members):
 * dates their wait from Kafka's record timestamps, then reads again, after
 * config.stallRecheckMs, the committed offsets of those whose records have waited longer than
 * the limit, and records whether each moved. Costs nothing when no partition looks stalled.
 */
async function recheckStalls(admin: Admin, groups: GroupReport[], config: StatusConfig): Promise<void> {
  const limit = config.thresholds.maxStallSeconds;
  const suspects = groups
    .filter((g) => g.members > 0)
    .flatMap((g) =>
      g.topics.flatMap((t) => t.partitions.filter((p) => looksStalled(p, limit)).map((p) => ({ g, t, p }))),
    );
  await Promise.all(suspects.map(({ t, p }) => dateWait(admin, t.topic, p)));
  const waitedTooLong = suspects.filter((s) => waitedSeconds(s.p) > limit);
  if (waitedTooLong.length === 0) return;
  await sleep(config.stallRecheckMs);
  for (const g of new Set(waitedTooLong.map((s) => s.g))) {
    const mine = waitedTooLong.filter((s) => s.g === g);
    const again = await admin.fetchOffsets({ groupId: g.groupId, topics: [...new Set(mine.map((s) => s.t.topic))] });
    for (const { t, p } of mine) {
      const now = again.find((c) => c.topic === t.topic)?.partitions.find((o) => o.partition === p.partition);
      p.movedOnRecheck = Number(now?.offset ?? -1) !== p.committed;
    }
  }
}

/**
 * Sets when the partition's records began to wait (see waitingSince). When Kafka cannot say, the
 * fields stay absent and the stall is judged on the commit's age.
 */
async function dateWait(admin: Admin, topic: string, p: PartitionLag): Promise<void> {
  if (p.committed === null || p.committedAt === null) return;
  const offsetAt = async (epochMs: number): Promise<number> => {
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, epochMs);
    const found = offsets.find((o) => o.partition === p.partition);
    if (!found) throw new Error(`no offset for ${topic}/${p.partition}`);
    return Number(found.offset);
  };
  const now = Date.now();
  try {
    const since = await waitingSince(offsetAt, p.committed, Date.parse(p.committedAt), now);
    p.waitingSince = new Date(since).toISOString();
    p.waitingSeconds = Math.max(0, (now - since) / 1000);
  } catch {
    // Judged on the commit's age instead (an upper bound).
  }
}

async function readDeadLetters(
  db: StreamerClient,
  config: StatusConfig,
): Promise<{ items: DeadLetterDepth[]; waiting: number }> {
  const groups = Object.values(config.groups);
  const rows = await db.$queryRaw<{ consumer_group: string; topic: string; waiting: bigint }[]>`
    SELECT consumer_group, topic, count(*) AS waiting FROM dead_letter
    WHERE status = 'new' AND consumer_group = ANY(${groups}::text[])
    GROUP BY consumer_group, topic ORDER BY consumer_group, topic`;
  const items = rows.map((r) => ({ groupId: r.consumer_group, topic: r.topic, waiting: Number(r.waiting) }));
  return { items, waiting: items.reduce((n, i) => n + i.waiting, 0) };
}

/**
 * Counter deltas clamped at zero, summed over every product (product_metrics has no group:
 * the metrics group is its only writer). A database whose streamer migration has not added
 * the column yet gives null (unknown), not an error.
 */
async function readClamps(db: StreamerClient): Promise<ClampReport> {
  const [column] = await db.$queryRaw<{ present: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'product_metrics'
                     AND column_name = 'clamped') AS present`;
  if (!column?.present) return { total: null };
  const [row] = await db.$queryRaw<{ total: bigint }[]>`
    SELECT coalesce(sum(clamped), 0)::bigint AS total FROM product_metrics`;
  return { total: Number(row?.total ?? 0) };
}

/** The newest reconcile run's checks, summed. */
async function readLastReconcile(db: StreamerClient): Promise<ReconcileReport> {
  const [last] = await db.$queryRaw<
    {
      reconcile_id: string;
      repair: boolean;
      started: Date;
      finished: Date;
      checked: number;
      differing: number;
      repaired: number;
    }[]
  >`
    WITH newest AS (SELECT reconcile_id FROM reconcile_check ORDER BY checked_at DESC LIMIT 1)
    SELECT c.reconcile_id::text, bool_or(c.mode = 'REPAIR') AS repair, min(c.checked_at) AS started,
           max(c.checked_at) AS finished, count(*)::int AS checked,
           count(*) FILTER (WHERE c.differs)::int AS differing, count(*) FILTER (WHERE c.repaired)::int AS repaired
    FROM reconcile_check c JOIN newest n ON n.reconcile_id = c.reconcile_id
    GROUP BY c.reconcile_id`;
  if (!last) return { last: null };
  return {
    last: {
      reconcileId: last.reconcile_id,
      mode: last.repair ? 'REPAIR' : 'VERIFY',
      startedAt: last.started.toISOString(),
      finishedAt: last.finished.toISOString(),
      checked: last.checked,
      differing: last.differing,
      repaired: last.repaired,
    },
  };
}

/** Reads every fact the verdict needs; each source is probed independently and quickly. */
export async function collectStatusFacts(config: StatusConfig): Promise<StatusFacts> {
  const commerce = createCommerceClient(config.commerceDatabaseUrl, { max: 2 });
  const streamerDb = createStreamerClient(config.streamerDatabaseUrl, { max: 2 });
  // Few, short retries: a status command must answer in seconds, also when Kafka is down.
  const kafka = new Kafka({
    clientId: 'pipeline-status',
    brokers: config.kafkaBrokers,
    ...(config.kafkaSasl ? { sasl: config.kafkaSasl } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 1, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  try {
    const kafkaFacts = probe(async () => {
      await admin.connect();
      return readTopics(admin, config);
    });
    const [connector, replicationSlot, outbox, topics, deadLetters, streamer, clamps, reconcile] = await Promise.all([
      probe(() => readConnector(config)),
      probe(() => replicationSlotState(commerce, config.slotName)),
      probe(() => outboxBacklog(commerce)),
      kafkaFacts,
      probe(() => readDeadLetters(streamerDb, config)),
      probe(() => readStreamerWaits(config.streamerUrl, Object.values(config.groups))),
      probe(() => readClamps(streamerDb)),
      probe(() => readLastReconcile(streamerDb)),
    ]);
    const groups: Probe<{ items: GroupReport[] }> = topics.ok
      ? await probe(() => readGroups(admin, config, topics.items))
      : { ok: false, error: `kafka unreachable: ${topics.error}` };
    return {
      checkedAt: new Date().toISOString(),
      connector,
      replicationSlot,
      outbox,
      topics,
      groups,
      deadLetters,
      streamer,
      clamps,
      reconcile,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await commerce.$disconnect();
    await streamerDb.$disconnect();
  }
}
