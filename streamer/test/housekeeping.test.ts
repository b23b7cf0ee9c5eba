import { randomUUID } from 'node:crypto';
import { createStreamerClient } from '@outbox/db';
import { endpoints, kafkaClient } from '@outbox/e2e';
import { setTimeout as sleep } from 'node:timers/promises';
import { purgeInbox } from '../src/jobs/inbox-purge';
import { preparePipeline, startStreamer } from './support';

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
});
