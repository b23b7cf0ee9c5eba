import { randomUUID } from 'node:crypto';
import { preparePipeline, startStreamer } from '@outbox/e2e';
import { EventCodec, newEvent } from '@outbox/events';
import {
  endpoints,
  eventually,
  produceAsDebezium,
  scrapeCounterSum,
  startGroupsAtEnd,
  uniqueName,
  type ServiceProcess,
} from '@outbox/e2e';
import { Client } from 'pg';

jest.setTimeout(240_000);

/**
 * Single mode (one event per transaction) works through a batch that takes longer than the
 * session timeout: the consumer heartbeats between events, so the group keeps it, and the
 * offsets it commits are accepted.
 */
describe('single apply mode', () => {
  let streamer: ServiceProcess | undefined;
  const db = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  beforeAll(async () => {
    await preparePipeline();
    await db.connect();
  });
  afterAll(async () => {
    await streamer?.kill('SIGTERM');
    await db.end();
  });

  it('applies a backlog longer than the session timeout without losing its group membership', async () => {
    const groups = { METRICS_GROUP_ID: uniqueName('single-metrics'), CACHE_GROUP_ID: uniqueName('single-cache') };
    await startGroupsAtEnd(Object.values(groups));
    // One aggregate, so one partition: its fetched batches hold thousands of records.
    const products = [randomUUID()];
    const events = Array.from({ length: 9_000 }, (_, i) =>
      newEvent('PRODUCT_VIEWED', products[0] as string, { memberId: `single-${i}` }),
    );
    await produceAsDebezium(await EventCodec.connect(endpoints.registryUrl), 'catalog-events', events);

    // 6 s is the broker's minimum session timeout; 9,000 transactions take longer than that.
    streamer = await startStreamer({ ...groups, APPLY_MODE: 'single', KAFKA_SESSION_TIMEOUT_MS: '6000' });
    const handled = async () =>
      Number(
        (
          await db.query<{ n: string }>('SELECT count(*) AS n FROM event_handled WHERE consumer_group = $1', [
            groups.METRICS_GROUP_ID,
          ])
        ).rows[0]?.n,
      );
    await eventually(
      'every event applied in single mode',
      async () => ((await handled()) === 9_000 ? true : undefined),
      180_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; handled ${await handled()}\n${streamer?.output().slice(-3000) ?? ''}`);
    });
    const views = await db.query<{ views: string }>(
      'SELECT coalesce(sum(views), 0) AS views FROM product_metrics WHERE product_id = ANY($1::uuid[])',
      [products],
    );
    expect(Number(views.rows[0]?.views)).toBe(9_000);
    // Never evicted: no crash, and no batch replayed (a replay would show as duplicates).
    expect(streamer.child.exitCode).toBeNull();
    expect(streamer.output()).not.toContain('consumer crashed');
    expect(await scrapeCounterSum(streamer.url, 'streamer_events_duplicate_total')).toBe(0);
  });
});
