import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpoints, kafkaClient, uniqueName } from '@outbox/e2e';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { Client } from 'pg';
import { loadStatusConfig, pipelineStatus, statusAsPrometheus, type StatusConfig, type StatusReport } from '../src';

jest.setTimeout(120_000);

const OLD = 600_000; // a commit 10 minutes old: far beyond the 60 s limit
const metadata = (committedAt: number): string => JSON.stringify({ committedAt });

/** A GET /waits endpoint standing in for the streamer. */
async function fakeStreamer(body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) =>
    req.url === '/waits'
      ? res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      : res.writeHead(404).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Stalled partitions, dependency waits and clamps in `npm run status`, against the real Kafka
 * and PostgreSQL of the test stack: throw-away topic, groups and database.
 */
describe('status: stalled partitions, dependency waits, clamps', () => {
  const topic = uniqueName('status-stall');
  const groups = { metrics: uniqueName('stall-m'), cacheInvalidation: uniqueName('stall-c') };
  const kafka = kafkaClient('status-stall-test');
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumers: Consumer[] = [];
  let streamer: { url: string; server: Server };
  let config: StatusConfig;
  /** When set, the metrics group's member commits new records of partition 1, after a delay (a slow batch). */
  let live = false;
  const commitDelayMs = 3_000;

  /** Records written now, or stamped `writtenAgoMs` ago (a producer may set the time of its records). */
  const produce = (partition: number, n: number, writtenAgoMs = 0) =>
    producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({
        key: `k${partition}-${i}`,
        value: 'v',
        partition,
        timestamp: writtenAgoMs > 0 ? String(Date.now() - writtenAgoMs) : undefined,
      })),
    });

  /** A member of `groupId` on the topic that applies nothing (a partition stuck on a record) unless told. */
  async function member(groupId: string, onBatch: (p: EachBatchPayload, c: Consumer) => Promise<void>) {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 1_000 });
    consumers.push(consumer);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        await onBatch(payload, consumer);
        await sleep(200);
      },
    });
    await joined;
    return consumer;
  }

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await producer.connect();
    await produce(0, 5, OLD + 60_000);
    await produce(1, 5, OLD + 60_000);
    await produce(2, 5, OLD + 60_000);

    const stuck = await member(groups.metrics, async ({ batch, resolveOffset }, consumer) => {
      if (batch.partition !== 1) return;
      resolveOffset(batch.lastOffset());
      if (live && Number(batch.lastOffset()) >= 5) {
        await sleep(commitDelayMs);
        const offset = String(Number(batch.lastOffset()) + 1);
        await consumer.commitOffsets([{ topic, partition: 1, offset, metadata: metadata(Date.now()) }]);
      }
    });
    // Partition 0: 3 records written 11 minutes ago wait behind a commit 10 minutes old.
    // Partitions 1 and 2: caught up, idle for 10 minutes (partition 2 is never committed again).
    await stuck.commitOffsets([
      { topic, partition: 0, offset: '2', metadata: metadata(Date.now() - OLD) },
      { topic, partition: 1, offset: '5', metadata: metadata(Date.now() - OLD) },
      { topic, partition: 2, offset: '5', metadata: metadata(Date.now() - OLD) },
    ]);
    const other = await member(groups.cacheInvalidation, async () => undefined);
    // Partition 0: lag without readable metadata (age unknown). Partition 1: lag, committed just now.
    await other.commitOffsets([
      { topic, partition: 0, offset: '1', metadata: 'not json' },
      { topic, partition: 1, offset: '2', metadata: metadata(Date.now()) },
    ]);

    const since = new Date().toISOString();
    streamer = await fakeStreamer(
      JSON.stringify({
        waits: [
          {
            group: groups.metrics,
            dependency: 'redis',
            reason: 'connect ECONNREFUSED 127.0.0.1:6379',
            partitions: 2,
            since,
          },
          { group: 'someone-else', dependency: 'registry', reason: 'Service Unavailable', partitions: 1, since },
        ],
      }),
    );
    config = {
      ...loadStatusConfig(),
      groups,
      topics: { metrics: [topic], cacheInvalidation: [topic] },
      streamerUrl: streamer.url,
      stallRecheckMs: 8_000,
    };
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    streamer.server.close();
  });

  const partitionOf = (r: StatusReport, groupId: string, partition: number) => {
    if (!r.groups.ok) throw new Error(`groups unreadable: ${r.groups.error}`);
    return r.groups.items.find((g) => g.groupId === groupId)?.topics[0]?.partitions[partition];
  };

  it('names the partition whose committed offset has not moved for longer than the limit while it has lag', async () => {
    const report = await pipelineStatus(config);
    const stall = report.reasons.filter((r) => r.includes(' stalled for '));
    expect(stall).toHaveLength(1);
    expect(stall[0]).toMatch(new RegExp(`^${groups.metrics} ${topic}/0 stalled for 6[01]\\ds at offset 2 with lag 3$`));
    expect(report.verdict).toBe('degraded');
    expect(report.stalled).toEqual([
      expect.objectContaining({ groupId: groups.metrics, topic, partition: 0, offset: 2, lag: 3 }),
    ]);
    expect(partitionOf(report, groups.metrics, 0)).toMatchObject({ committed: 2, lag: 3, movedOnRecheck: false });
    // Idle partition (no lag), garbage metadata (age unknown) and a fresh commit are not stalled.
    expect(partitionOf(report, groups.metrics, 1)).toMatchObject({ committed: 5, lag: 0 });
    expect(partitionOf(report, groups.cacheInvalidation, 0)).toMatchObject({
      committed: 1,
      lag: 4,
      committedAt: null,
      committedAgeSeconds: null,
    });
    expect(partitionOf(report, groups.cacheInvalidation, 1)?.committedAgeSeconds).toBeLessThan(60);

    // The dependency the streamer says the group waits for, with its answer (only the configured groups).
    expect(report.reasons).toContain(`${groups.metrics} group waits for redis: connect ECONNREFUSED 127.0.0.1:6379`);
    expect(report.reasons.filter((r) => r.includes(' waits for '))).toHaveLength(1);

    const text = await statusAsPrometheus(report);
    expect(text).toContain(`pipeline_consumer_group_stalled_partitions{group="${groups.metrics}"} 1`);
    expect(text).toContain(`pipeline_consumer_group_stalled_partitions{group="${groups.cacheInvalidation}"} 0`);
    expect(text).toContain(`pipeline_streamer_dependency_waiting{group="${groups.metrics}",dependency="redis"} 2`);
    expect(report.streamer).toMatchObject({
      ok: true,
      waiting: [
        { groupId: groups.metrics, dependency: 'redis', reason: 'connect ECONNREFUSED 127.0.0.1:6379', partitions: 2 },
      ],
    });
  });

  it('does not call stalled a partition idle for 10 minutes that just received records stamped long ago (it moves on the second read)', async () => {
    live = true;
    await produce(1, 1, OLD + 60_000);
    const report = await pipelineStatus(config);
    // The first read saw lag 1 behind a 10-minute-old commit, and a record older than that; the
    // member committed before the second read.
    expect(partitionOf(report, groups.metrics, 1)).toMatchObject({ committed: 5, lag: 1, movedOnRecheck: true });
    expect(report.reasons.filter((r) => r.includes(`${topic}/1`))).toEqual([]);
    expect(report.stalled.map((s) => s.partition)).toEqual([0]);
  });

  it('counts the stall of a partition idle for 10 minutes from when its new records began to wait', async () => {
    const written = Date.now();
    await produce(2, 2); // the member never commits partition 2: they wait
    const limit = 3;
    await sleep((limit + 2) * 1000);
    const report = await pipelineStatus({
      ...config,
      stallRecheckMs: 1_000,
      thresholds: { ...config.thresholds, maxStallSeconds: limit },
    });
    const waited = (Date.now() - written) / 1000;
    const partition = partitionOf(report, groups.metrics, 2);
    expect(partition).toMatchObject({ committed: 5, lag: 2, movedOnRecheck: false });
    expect(partition?.committedAgeSeconds).toBeGreaterThan(OLD / 1000);
    const stall = report.stalled.find((s) => s.partition === 2);
    expect(stall?.stalledSeconds).toBeGreaterThan(limit);
    expect(stall?.stalledSeconds).toBeLessThanOrEqual(Math.ceil(waited) + 1);
    expect(report.reasons).toContain(
      `${groups.metrics} ${topic}/2 stalled for ${stall?.stalledSeconds}s at offset 5 with lag 2`,
    );
  });

  it('does not judge an unreachable streamer (a stopped one shows as a group without members)', async () => {
    const closed = await fakeStreamer('');
    closed.server.close();
    const report = await pipelineStatus({ ...config, streamerUrl: closed.url, stallRecheckMs: 0 });
    expect(report.streamer.ok).toBe(false);
    expect(report.reasons.filter((r) => r.includes('streamer') || r.includes(' waits for '))).toEqual([]);
    expect(await statusAsPrometheus(report)).toContain('pipeline_streamer_metrics_up 0');
  });

  it('counts clamped counter deltas, and says unknown while the column is not migrated', async () => {
    const database = uniqueName('status_clamps').toLowerCase();
    const server = new Client({ connectionString: endpoints.postgresUrl('streamer') });
    await server.connect();
    await server.query(`CREATE DATABASE ${database}`);
    const db = new Client({ connectionString: endpoints.postgresUrl(database) });
    try {
      await db.connect();
      await db.query(`CREATE TABLE dead_letter (consumer_group text, topic text, status text)`);
      await db.query(`CREATE TABLE product_metrics (product_id uuid PRIMARY KEY, likes bigint NOT NULL DEFAULT 0)`);
      await db.query(`INSERT INTO product_metrics (product_id) VALUES (gen_random_uuid())`);
      const clampConfig = { ...config, streamerDatabaseUrl: endpoints.postgresUrl(database), stallRecheckMs: 0 };

      const before = await pipelineStatus(clampConfig);
      expect(before.clamps).toEqual({ ok: true, total: null });
      expect(before.reasons.filter((r) => r.includes('clamp') || r.includes('product_metrics'))).toEqual([]);

      await db.query(`ALTER TABLE product_metrics ADD COLUMN clamped bigint NOT NULL DEFAULT 0`);
      expect((await pipelineStatus(clampConfig)).clamps).toEqual({ ok: true, total: 0 });
      await db.query(
        `INSERT INTO product_metrics (product_id, clamped) VALUES (gen_random_uuid(), 2), (gen_random_uuid(), 3)`,
      );
      const after = await pipelineStatus(clampConfig);
      expect(after.reasons).toContain('counter clamped at zero 5 times: ordering or duplicate bug');
      expect(await statusAsPrometheus(after)).toContain('pipeline_product_metrics_clamped 5');
    } finally {
      await db.end().catch(() => undefined);
      await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.end();
    }
  });
});
