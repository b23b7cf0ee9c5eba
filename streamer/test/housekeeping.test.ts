import { randomUUID } from 'node:crypto';
import { createStreamerClient } from '@outbox/db';
import { EventCodec, newEvent } from '@outbox/events';
import {
  endpoints,
  eventually,
  kafkaClient,
  preparePipeline,
  produceAsDebezium,
  startGroupsAtEnd,
  startStreamer,
  uniqueName,
} from '@outbox/e2e';
import { setTimeout as sleep } from 'node:timers/promises';
import { purgeInbox } from '../src/jobs/inbox-purge';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('housekeeping', () => {
  const db = createStreamerClient(endpoints.postgresUrl('streamer'));
  beforeAll(() => preparePipeline());
  afterAll(() => db.$disconnect());

  it('purges inbox rows older than the retention, and only those', async () => {
    const group = `purge-${randomUUID()}`;
    const old = Array.from({ length: 7 }, () => randomUUID());
    const fresh = Array.from({ length: 3 }, () => randomUUID());
    await db.eventHandled.createMany({
      data: old.map((eventId) => ({ consumerGroup: group, eventId, handledAt: new Date(Date.now() - 20 * DAY_MS) })),
    });
    await db.eventHandled.createMany({ data: fresh.map((eventId) => ({ consumerGroup: group, eventId })) });

    await purgeInbox(db, 14 * DAY_MS, 2);
    const left = await db.eventHandled.findMany({ where: { consumerGroup: group }, select: { eventId: true } });
    expect(left.map((r) => r.eventId).sort()).toEqual([...fresh].sort());
  });

  it('SIGTERM finishes, commits and leaves the group at once (no session timeout to wait for)', async () => {
    const streamer = await startStreamer({ KAFKA_SESSION_TIMEOUT_MS: '30000' });
    const admin = kafkaClient('sigterm').admin();
    await admin.connect();
    try {
      const members = async () =>
        (await admin.describeGroups(['metrics', 'cache-invalidation'])).groups.map((g) => g.members.length);
      for (let i = 0; i < 40 && (await members()).some((n) => n === 0); i += 1) await sleep(250);
      expect(await members()).toEqual([1, 1]);
      expect(await streamer.kill('SIGTERM')).toBe(0);
      // Left the groups explicitly: empty well before the 30 s session timeout would expire.
      expect(await members()).toEqual([0, 0]);
    } finally {
      await streamer.kill('SIGKILL'); // no-op when it already exited
      await admin.disconnect();
    }
  });

  it('SIGTERM in the middle of a batch commits every event it applied: a graceful restart redelivers nothing', async () => {
    const groups = { METRICS_GROUP_ID: uniqueName('sigterm-metrics'), CACHE_GROUP_ID: uniqueName('sigterm-cache') };
    await startGroupsAtEnd(Object.values(groups));
    const admin = kafkaClient('sigterm-commit').admin();
    await admin.connect();
    const before = await admin.fetchTopicOffsets('catalog-events');
    // One product, so one partition and long batches; single mode keeps a batch in flight.
    const product = randomUUID();
    const events = Array.from({ length: 3000 }, (_, i) => newEvent('PRODUCT_VIEWED', product, { memberId: `t-${i}` }));
    await produceAsDebezium(await EventCodec.connect(endpoints.registryUrl), 'catalog-events', events);
    const after = await admin.fetchTopicOffsets('catalog-events');
    const partition = after.find((p) => before.find((b) => b.partition === p.partition)?.high !== p.high)?.partition;

    const streamer = await startStreamer({ ...groups, APPLY_MODE: 'single' });
    const handled = async () =>
      (await db.eventHandled.count({ where: { consumerGroup: groups.METRICS_GROUP_ID } })) as number;
    try {
      await eventually('the first events applied', async () => ((await handled()) > 100 ? true : undefined));
      expect(await streamer.kill('SIGTERM')).toBe(0);
    } finally {
      await streamer.kill('SIGKILL');
    }
    const applied = await handled();
    expect(applied).toBeLessThan(events.length); // stopped mid-backlog, as intended
    const start = BigInt(before.find((b) => b.partition === partition)?.high ?? '0');
    const committed = await admin.fetchOffsets({ groupId: groups.METRICS_GROUP_ID, topics: ['catalog-events'] });
    await admin.disconnect();
    const offset = committed[0]?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    // Exactly the applied events are behind the committed offset: none applied beyond it.
    expect(BigInt(offset) - start).toBe(BigInt(applied));
  });
});
